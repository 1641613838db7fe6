"""Plain-text helpers shared by the stages: sentence boundaries (:mod:`.sentences`)."""
