"""Train your own user model: intents, flipping, training (see docs/training.md)."""
