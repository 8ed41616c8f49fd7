#!/usr/bin/env bash
# User model v3 run: continues the v2 candidate adapter on 800 of 1,200 train conversations it has not seen (100 steps x 8: the 2-core budget).
# Resumes from the last checkpoint in run/checkpoints when restarted.
cd /work/ckpt/userlm-v3
RESUME=""
[ -d run/checkpoints ] && ls run/checkpoints | grep -q checkpoint && RESUME="--resume"
export OMP_WAIT_POLICY=PASSIVE PYTHONPATH=/work/ckpt/userlm-v3/code/src
exec /work/main/.venv/bin/python -m simuser train /work/ckpt/userlm-v3/flipped \
  --model smollm2 --out /work/ckpt/userlm-v3/run --init-adapter /work/ckpt/userlm-v3/init-adapter \
  --max-steps 100 --grad-accum 8 --batch-size 1 --learning-rate 2e-4 --save-steps 5 --threads 2 --device cpu $RESUME
