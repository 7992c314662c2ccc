"""The emulated PAI User Engagement API: state and rules (``models``), HTTP layer and routes for the
Bearer gateway and the signed ROA API (``responses``), coded errors (``exceptions``)."""
