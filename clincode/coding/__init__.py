"""The coding pipeline's shared vocabulary: documents in, coded episodes out."""
from .models import ClinicianQuery, CodeAssignment, CodedEpisode, Document, Evidence

__all__ = ["ClinicianQuery", "CodeAssignment", "CodedEpisode", "Document", "Evidence"]
