#!/usr/bin/env bash
# Stop the main run cleanly after the first checkpoint completed at or after time $1 (e.g. 21:00), so the
# session's end does not cut a save short; run.sh resumes from it.
cd /work/ckpt/userlm-v4
until [ "$(date -u +%H:%M)" \> "$1" ] || [ "$(date -u +%H:%M)" = "$1" ]; do sleep 20; done
last=$(ls main-run/checkpoints | sort -t- -k2 -n | tail -1)
while true; do
  newest=$(ls main-run/checkpoints | sort -t- -k2 -n | tail -1)
  if [ "$newest" != "$last" ] && [ -f main-run/checkpoints/$newest/trainer_state.json ]; then break; fi
  sleep 5
done
sleep 10
pkill -f "simuser train /work/ckpt/userlm-v4/main-flipped" && echo "stopped after $newest at $(date -u +%T)" >> main-stops.txt
