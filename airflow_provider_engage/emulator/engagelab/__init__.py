"""The emulated EngageLab AppPush v4: state and rules (``models``), HTTP layer and routes
(``responses``), coded errors (``exceptions``)."""
