"""Hospital interfaces: how episodes and documents get into the store and coded episodes out.

In:   ingest_path(db, path)      text files/folders, JSON episode records, FHIR bundles, HL7 v2 files
      receive_hl7(db, raw)       one HL7 v2 message (ADT^A01/A02/A03/A08, MDM^T02, ORU^R01)
      receive_bundle(db, raw)    one FHIR R4 Bundle (Patient, Encounter, DocumentReference/Composition)
Out:  episode_bundle(episode)    FHIR R4 Bundle: Encounter + Condition (ICD-10) + Procedure (OPCS-4)
      cds_export.write_csv(eps)  CDS Admitted Patient Care-shaped CSV for SUS
Every inbound message is idempotent and never half-applied (clincode.store.services.receive_message).
"""
from .cds_export import episode_row, write_csv
from .fhir_in import parse_bundle, receive_bundle
from .fhir_out import ICD10_SYSTEM, OPCS4_SYSTEM, episode_bundle, validate_bundle
from .files import FileOutcome, ingest_path
from .hl7v2 import receive_hl7, split_messages

__all__ = [
    "ingest_path", "FileOutcome", "receive_hl7", "split_messages", "receive_bundle", "parse_bundle",
    "episode_bundle", "validate_bundle", "ICD10_SYSTEM", "OPCS4_SYSTEM", "episode_row", "write_csv",
]
