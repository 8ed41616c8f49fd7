#!/usr/bin/env bash
# Persona adherence: the same 10 intents and seed, once with a terse and once with a verbose persona, for the
# shipped user model (userlm, model=default) and the prompted baseline (SmolLM2-135M-Instruct); the assistant
# is the default local SmolLM2 chat assistant with short replies. Writes runs under $OUT and prints the table.
set -euo pipefail
OUT=${OUT:-/tmp/persona_adherence}
PY=${PY:-python}
DIR=$(dirname "$0")
INTENTS="$DIR/intents.txt"
for sim in userlm prompted; do
  for persona in terse verbose; do
    $PY -m simuser simulate --intents "$INTENTS" --n 1 --max-turns 3 --seed 0 -q \
      --simulator "$sim" --population "$DIR/$persona.yaml" -A max_new_tokens=64 --out "$OUT/$sim-$persona"
  done
done
$PY "$DIR/summarize.py" "$OUT"
