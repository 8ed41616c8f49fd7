"""Words per user turn, user turns and end reasons per run of measure.sh, and the paired difference per simulator."""

import sys
from pathlib import Path
from statistics import fmean

from simuser.population import persona_breakdown
from simuser.store import read_conversations

root = Path(sys.argv[1])
for sim in ("userlm", "prompted"):
    means = {}
    for persona in ("terse", "verbose"):
        conversations = read_conversations(root / f"{sim}-{persona}")
        row = persona_breakdown(conversations)[persona]
        means[persona] = {c.key: fmean(len(t.content.split()) for t in c.user_turns) for c in conversations if c.user_turns}
        print(f"{sim:9s} {persona:8s} n={row['conversations']:2d} words/turn {row['words_per_turn_mean']:6.2f} "
              f"ci95 {row['words_per_turn_ci95']} turns {row['user_turns_mean']:.2f} ends {row['end_reasons']}")
    paired = [means["verbose"][k] - means["terse"][k] for k in means["terse"] if k in means["verbose"]]
    wins = sum(d > 0 for d in paired)
    print(f"{sim:9s} verbose - terse, paired over {len(paired)} conversations (same intent and sample): mean {fmean(paired):+.2f} words/turn; "
          f"verbose longer in {wins} of {len(paired)}")
