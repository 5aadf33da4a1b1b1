"""One module per resource, each an APIRouter whose every route names its permission."""
