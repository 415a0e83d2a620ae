"""The sample workbook's records: the story of the seed piece (2026-05-27), and nothing it does not say.

Unknown model names, figures and links are left blank on purpose.
"""

from __future__ import annotations

import datetime as dt

SEED = "Seed report, 2026-05-27"
PIVOT = dt.date(2026, 4, 20)
SEEN = dt.date(2026, 5, 27)

SETTINGS: dict[str, object] = {
    "Title": "The bifurcation briefing",
    "Publication": "The open-weights desk",
    "Editor": "",
    "Pivot lab": "Alibaba",
    "Pivot model": "Qwen 3.6 Max-Preview",
    "Pivot date": PIVOT,
    "Stale after days": 28,
    "Call margin": 2.0,
    "Recipients": "desk@example.com",
    "Sender": "briefing@example.com",
    "Edition date": dt.date(2026, 6, 1),
}


def _lab(name: str, weights: str = "Open", watch: str = "Yes", **more: object) -> dict[str, object]:
    row: dict[str, object] = {"Lab": name, "Country": "China", "Flagship weights": weights, "Watch": watch,
                              "Source": SEED}
    row.update(more)
    return row


ROWS: dict[str, list[dict[str, object]]] = {
    "Labs": [
        _lab("Alibaba", "Closed", "No", **{
            "Flagship model": "Qwen 3.6 Max-Preview", "Flagship scale": "trillion-parameter",
            "Mid-scale model": "Qwen 27B", "Mid-scale licence": "Apache-2.0", "Status since": PIVOT,
            "Notes": "The pivot lab: flagship closed, mid-scale stays open.",
        }),
        _lab("DeepSeek", Notes="Has not followed Alibaba into closed weights at flagship scale."),
        _lab("Moonshot Kimi", Notes="Has not followed Alibaba into closed weights at flagship scale."),
        _lab("Ant Group", Notes="Has not followed Alibaba into closed weights at flagship scale."),
        _lab("Zhipu", Notes="Has not followed Alibaba into closed weights at flagship scale."),
    ],
    "Events": [
        {"Date": PIVOT, "Lab": "Alibaba", "Kind": "Closed flagship",
         "Headline": "Alibaba moves Qwen 3.6 Max-Preview to closed weights", "Model": "Qwen 3.6 Max-Preview",
         "Source": SEED, "Notes": "Trillion-parameter tier; Qwen 27B stays Apache-2.0."},
        {"Date": SEEN, "Lab": "Alibaba", "Kind": "Other",
         "Headline": "Six weeks on, no other major Chinese lab has followed the closed-weight move",
         "Source": SEED, "Notes": "DeepSeek, Moonshot Kimi, Ant Group and Zhipu: watched rather than imitated."},
    ],
    "Signals": [
        {"Quarter": "2026-Q2", "Signal": "Chinese-cloud customer traction on Max-Preview reportedly strong",
         "Lab": "Alibaba", "Points to": "Pays", "Strength": 2, "Confidence": "Reported", "Observed": SEEN,
         "Source": SEED},
        {"Quarter": "2026-Q2", "Signal": "No other major Chinese lab has followed into closed weights",
         "Points to": "Reverts", "Strength": 1, "Confidence": "Reported", "Observed": SEEN, "Source": SEED},
        {"Quarter": "2026-Q2", "Signal": "Apache-2.0 is winning the permissive-licence race",
         "Points to": "Reverts", "Strength": 1, "Confidence": "Reported", "Observed": SEEN, "Source": SEED},
        {"Quarter": "2026-Q2", "Signal": "Enterprise procurement friction for the open-weight stack is near zero",
         "Points to": "Reverts", "Strength": 1, "Confidence": "Reported", "Observed": SEEN, "Source": SEED},
        {"Quarter": "2026-Q2", "Signal": "Qwen 27B stays Apache-2.0 at frontier-competitive performance",
         "Lab": "Alibaba", "Points to": "Neutral", "Strength": 1, "Confidence": "Reported", "Observed": SEEN,
         "Source": SEED},
    ],
    "Milestones": [
        {"Due": "2026-Q4", "Milestone": "Alibaba Cloud's Q3 2026 AI revenue disclosures",
         "Why it matters": "Where the early signal lands: does the closed flagship pay?", "Status": "Upcoming"},
        {"Due": "2026-Q4", "Milestone": "Another Chinese lab closes its flagship, if the bifurcation pays",
         "Why it matters": "If the bifurcation pays, expect followers in Q4; if not, expect Alibaba to revert.",
         "Status": "Upcoming"},
    ],
    "Sources": [
        {"Source": SEED, "Publisher": "Alibaba / Qwen / industry reporting", "Published": SEEN},
        {"Source": "Hugging Face Blog — Best Open-Source LLM Models 2026", "Publisher": "Hugging Face Blog"},
        {"Source": "O-Mega — Top 10 Open Source LLMs 2026 DeepSeek Revolution", "Publisher": "O-Mega"},
        {"Source": "Future AGI Substack — Best LLMs in May 2026 What Actually Matters",
         "Publisher": "Future AGI Substack"},
    ],
}
