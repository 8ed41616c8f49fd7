#!/usr/bin/env bash
# Persona adherence on first user turns (cheap enough for a shared 2-core machine): the same 10 intents x 2
# samples and seed, with a terse and with a verbose persona, for the shipped user model (userlm, model=default,
# default guardrails) and the prompted baseline (SmolLM2-135M-Instruct). One user turn per conversation; the echo
# assistant (the reply is not used). Writes runs under $OUT and prints words per first turn per persona.
set -euo pipefail
OUT=${OUT:-/tmp/persona_first_turns}
PY=${PY:-python}
DIR=$(dirname "$0")
for sim in userlm prompted; do
  for persona in terse verbose; do
    $PY -m simuser simulate --intents "$DIR/intents.txt" --n 2 --max-turns 1 --seed 0 -q --assistant echo \
      --simulator "$sim" --population "$DIR/$persona.yaml" --out "$OUT/$sim-$persona"
  done
done
$PY "$DIR/summarize.py" "$OUT"
