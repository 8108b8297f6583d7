"""Digital sign-in of the training sessions (issue 19 §2)."""
