"""Training a user model: the config (:mod:`.config`), the Trainer glue (:mod:`.hf`), the run (:mod:`.train`)."""

from simuser.train.trainer.config import TrainConfig
from simuser.train.trainer.train import TrainResult, train_user_model

__all__ = ["TrainConfig", "TrainResult", "train_user_model"]
