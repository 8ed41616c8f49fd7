#!/usr/bin/env bash
# User model v4 main run: continues pilot 1's adapter (v3 + 192 new conversations) on 2,559 conversations no earlier
# run saw (main-data: mtrag 135 = all that is left, star 900, multiwoz 900, hh_rlhf 625), 320 steps x 8.
# Resumes from the last checkpoint in main-run/checkpoints when restarted. Code frozen in code/ (COMMIT).
cd /work/ckpt/userlm-v4
FLIPPED=${FLIPPED:-$(cat main-flipped.choice)}
RESUME=""
[ -d main-run/checkpoints ] && ls main-run/checkpoints | grep -q checkpoint && RESUME="--resume"
export OMP_WAIT_POLICY=PASSIVE PYTHONPATH=/work/ckpt/userlm-v4/code/src
date -u +%FT%T >> main-started.txt
exec /work/main/.venv/bin/python -m simuser train /work/ckpt/userlm-v4/$FLIPPED \
  --model smollm2 --out /work/ckpt/userlm-v4/main-run --init-adapter /work/ckpt/userlm-v4/p1-run/adapter \
  --max-steps 320 --grad-accum 8 --batch-size 1 --learning-rate 2e-4 --save-steps 5 --threads 2 --device cpu $RESUME
