#!/usr/bin/env bash
# Dev perplexity of the main run at steps given as args (copies the checkpoint's adapter out before it rotates).
cd /work/ckpt/userlm-v4
for step in "$@"; do
  until [ -f main-run/checkpoints/checkpoint-$step/adapter_model.safetensors ]; do sleep 15; done
  sleep 20  # let the save finish
  mkdir -p mid/step-$step
  cp main-run/checkpoints/checkpoint-$step/{adapter_config.json,adapter_model.safetensors,chat_template.jinja,tokenizer.json,tokenizer_config.json,simuser_train_config.json} mid/step-$step/
  (cd /work/main && OMP_WAIT_POLICY=PASSIVE nice -n 10 .venv/bin/python scripts/evaluate_user_models.py --data /work/ckpt/userlm-v3/data \
    --out /work/ckpt/userlm-v4/dev-eval --split dev --stage ppl --with-intent-only --ppl-conversations 20 \
    --model main-$step=/work/ckpt/userlm-v4/mid/step-$step --threads 1) >> midcheck.log 2>&1
done
