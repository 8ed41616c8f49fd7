"""Batched generation on CUDA leaves cuDNN out of SDPA (it rebuilds a plan for every new shape)."""

from __future__ import annotations

import torch

from simuser.models.attention import generation_attention


def test_on_cuda_cudnn_is_off_inside_and_restored_after():
    before = torch.backends.cuda.cudnn_sdp_enabled()
    with generation_attention("cuda:0"):
        assert not torch.backends.cuda.cudnn_sdp_enabled()
        assert torch.backends.cuda.flash_sdp_enabled() and torch.backends.cuda.mem_efficient_sdp_enabled()
        assert torch.backends.cuda.math_sdp_enabled()
    assert torch.backends.cuda.cudnn_sdp_enabled() == before


def test_elsewhere_nothing_changes():
    before = torch.backends.cuda.cudnn_sdp_enabled()
    with generation_attention(torch.device("cpu")):
        assert torch.backends.cuda.cudnn_sdp_enabled() == before


async def test_the_userlm_simulator_generates_inside_it(tiny_userlm_dir, monkeypatch):
    from simuser.schema import Intent
    from simuser.users import userlm
    from simuser.users.base import ConversationState

    seen = []

    def recording(device):
        seen.append(str(device))
        return generation_attention(device)

    monkeypatch.setattr(userlm, "generation_attention", recording)
    simulator = userlm.UserLMSimulator(model=str(tiny_userlm_dir), device="cpu", guardrails=False, max_new_tokens=4)
    await simulator.next_turns([ConversationState(Intent(id="a", text="You are a user chatting with an assistant "
                                                         "language model to plan a trip"), (), 0)])
    assert seen == ["cpu"]
