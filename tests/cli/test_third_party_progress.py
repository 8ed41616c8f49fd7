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


def test_tqdm_honours_it(monkeypatch, capsys):
    monkeypatch.setenv("TQDM_DISABLE", "1")
    from tqdm.auto import tqdm

    for _ in tqdm(range(3), desc="Converting and de-quantizing GGUF tensors..."):
        pass
    assert "Converting" not in capsys.readouterr().err
