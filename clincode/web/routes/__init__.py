"""The web application's pages, one module per screen: sign-in and worklist (``pages``), the coding
screen and its actions (``coding``), the encoder and live validation (``encoder``), clinician
queries and data-quality flags (``queries``)."""
