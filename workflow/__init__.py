"""The case workflow (办件流程): case numbers, states and transitions, step checks, deadlines,
approval. Domain code only — no Qt."""
