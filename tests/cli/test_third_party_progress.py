import os

from simuser.cli.common import quiet_third_party_progress


def test_other_libraries_progress_bars_are_off_except_for_training(monkeypatch):
    for name in ("HF_HUB_DISABLE_PROGRESS_BARS", "TQDM_DISABLE"):
        monkeypatch.delenv(name, raising=False)
    quiet_third_party_progress(["train", "data/"])
    assert os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] == "1" and "TQDM_DISABLE" not in os.environ
    quiet_third_party_progress(["demo"])
    assert os.environ["TQDM_DISABLE"] == "1"


def test_a_users_own_setting_wins(monkeypatch):
    monkeypatch.setenv("TQDM_DISABLE", "0")
    quiet_third_party_progress(["simulate"])
    assert os.environ["TQDM_DISABLE"] == "0"


def test_tqdm_bars_are_silent_in_a_fresh_cli_process():
    """tqdm reads TQDM_DISABLE when it is imported, so the CLI must set it before anything imports tqdm."""
    import subprocess
    import sys

    script = ("import sys; from simuser.cli import app; assert 'tqdm' not in sys.modules, 'imported too early'; "
              "app.quiet_third_party_progress(['demo']); from tqdm.auto import tqdm; "
              "[x for x in tqdm(range(3), desc='Converting and de-quantizing GGUF tensors...')]")
    env = {k: v for k, v in os.environ.items() if k not in ("TQDM_DISABLE", "HF_HUB_DISABLE_PROGRESS_BARS")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Converting" not in done.stderr
