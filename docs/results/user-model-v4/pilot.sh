#!/usr/bin/env bash
# Pilot run NAME: 24 steps x 8 conversations from the v3 adapter on NAME-flipped; resumes from its last checkpoint.
# usage: pilot.sh NAME [extra simuser train args]
set -e
cd /work/ckpt/userlm-v4
NAME=$1; shift
RESUME=""
[ -d $NAME-run/checkpoints ] && ls $NAME-run/checkpoints | grep -q checkpoint && RESUME="--resume"
[ -f $NAME-run/adapter/adapter_model.safetensors ] && { echo "$NAME done"; exit 0; }
export OMP_WAIT_POLICY=PASSIVE
date -u +%FT%T > $NAME-started.txt
/work/main/.venv/bin/python -m simuser train /work/ckpt/userlm-v4/${DATA:-$NAME}-flipped \
  --model smollm2 --out /work/ckpt/userlm-v4/$NAME-run --init-adapter /work/ckpt/userlm-v4/v3-adapter \
  --max-steps 24 --grad-accum 8 --batch-size 1 --learning-rate ${LR:-2e-4} --save-steps 4 --threads 2 --device cpu $RESUME "$@"
date -u +%FT%T > $NAME-ended.txt
