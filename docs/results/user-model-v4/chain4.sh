#!/usr/bin/env bash
# After the main run ends: v4's report card on every test split and pooled (beside shipped/prompted already on
# disk), then termination probes on each split's own people.
cd /work/ckpt/userlm-v4
while pgrep -f "simuser train /work/ckpt/userlm-v4" > /dev/null; do sleep 10; done
date -u +%FT%T > main-ended.txt
[ -f main-run/adapter/adapter_model.safetensors ] || { echo "no adapter"; exit 1; }
cd /work/main
export OMP_WAIT_POLICY=PASSIVE
date -u +"eval start %FT%T" >> /work/ckpt/eval/log-v4.txt
.venv/bin/python scripts/evaluate_user_models.py --data /work/ckpt/userlm-v3/data --out /work/ckpt/eval \
  --model v4=/work/ckpt/userlm-v4/main-run/adapter --threads 2 >> /work/ckpt/eval/log-v4.txt 2>&1
date -u +"eval end %FT%T" >> /work/ckpt/eval/log-v4.txt
date -u +"term start %FT%T" >> /work/ckpt/eval-term/log-v4.txt
.venv/bin/python scripts/evaluate_user_models.py --data /work/ckpt/userlm-v3/data --out /work/ckpt/eval-term \
  --model v4=/work/ckpt/userlm-v4/main-run/adapter --stage evaluate --probes-per-source 1 --threads 2 >> /work/ckpt/eval-term/log-v4.txt 2>&1
date -u +"term end %FT%T" >> /work/ckpt/eval-term/log-v4.txt
