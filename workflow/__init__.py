"""The case workflow (办件流程): case numbers, states and transitions, step checks, deadlines,
approval, the documents a case prints and their print records. Domain code only — no Qt; it has
``printing`` render and never the other way round."""
