#!/usr/bin/env bash
# Compare the trained user model with the prompted baseline (SmolLM2-135M-Instruct told to act as a user).
# Numbers land in docs/training.md. Usage: bash scripts/compare_default_user_model.sh [ADAPTER_DIR]
#   N_INTENTS=40 (test-split intents simulated per simulator), THREADS=2.
set -euo pipefail
ADAPTER=${1:-src/simuser/adapters/userlm-smollm2-mtrag}
OUT=${OUT:-.cache/compare}
N_INTENTS=${N_INTENTS:-40}
THREADS=${THREADS:-2}
mkdir -p "$OUT"

# 1. Held-out perplexity on the human user turns of the reference *test* split (98 conversations).
for model in "$ADAPTER" base; do
  name=$([ "$model" = base ] && echo base || echo trained)
  simuser perplexity "$model" --threads "$THREADS" --json > "$OUT/ppl_${name}_intent.json"
  simuser perplexity "$model" --threads "$THREADS" --no-intent --json > "$OUT/ppl_${name}_nointent.json"
done

# 2. The same test intents, simulated by each user model against the default assistant (SmolLM2).
python - "$OUT/test_intents.jsonl" "$N_INTENTS" <<'PY'
import json, sys
from simuser.metrics.reference import load_reference
rows = [{"id": c.intent.id, "intent": c.intent.text} for c in load_reference("test")[: int(sys.argv[2])]]
open(sys.argv[1], "w").write("".join(json.dumps(r) + "\n" for r in rows))
PY
BASE=$(python -c "from simuser.models.embedded import embedded_model_path; print(embedded_model_path())")
export OMP_NUM_THREADS=$THREADS
simuser simulate --intents "$OUT/test_intents.jsonl" --max-turns 4 --quiet --out "$OUT/run_trained" \
  --simulator userlm -S model="$BASE" -S adapter="$ADAPTER" -S device=cpu
simuser simulate --intents "$OUT/test_intents.jsonl" --max-turns 4 --quiet --out "$OUT/run_prompted" \
  --simulator prompted

# 3. The report card of each run, next to the human reference test split; --probes runs each run's own
#    simulator on the termination, role and intent probes (24 and 35 minutes on 2 cores).
simuser evaluate "$OUT/run_trained" --out "$OUT/report_trained_probes" --probes
simuser evaluate "$OUT/run_prompted" --out "$OUT/report_prompted_probes" --probes
