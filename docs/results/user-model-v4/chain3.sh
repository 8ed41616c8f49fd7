#!/usr/bin/env bash
# Pilot 3's dev perplexity, then the main run with the reply cut the pilots chose (p3 vs p2: 128 vs 48 tokens).
cd /work/ckpt/userlm-v4
while pgrep -f "pilot.sh p3" > /dev/null; do sleep 10; done
cd /work/main
OMP_WAIT_POLICY=PASSIVE .venv/bin/python scripts/evaluate_user_models.py --data /work/ckpt/userlm-v3/data \
  --out /work/ckpt/userlm-v4/dev-eval --split dev --stage ppl --with-intent-only --ppl-conversations 20 \
  --model p3=/work/ckpt/userlm-v4/p3-run/adapter >> /work/ckpt/userlm-v4/deveval.log 2>&1
cd /work/ckpt/userlm-v4
python3 - <<'PY'
import json, math
def pooled(name):
    parts = [json.load(open(f"dev-eval/ppl/{name}/{s}-with.json")) for s in ("mtrag", "star", "multiwoz", "hh_rlhf")]
    return math.exp(sum(p["nll"] for p in parts) / sum(p["tokens"] for p in parts))
p2, p3 = pooled("p2"), pooled("p3")
choice = "main-flipped-128" if p3 < p2 else "main-flipped-48"
print(f"p2 {p2:.3f} p3 {p3:.3f} -> {choice}")
open("main-flipped.choice", "w").write(choice + "\n")
PY
exec nice -n 5 bash run.sh >> main.log 2>&1
