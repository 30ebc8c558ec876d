#!/usr/bin/env python
"""Benchmark of the proposed themes (eparticipation.reports.themes.propose_themes) on a million comments.

    .venv/bin/python bench/themes.py [--comments 1000000] [--seed 1405] [--stream] [--json]

Generates synthetic Persian comments in memory around six concerns (a few hundred words in random
combinations, Arabic and Persian yeh/kaf, ZWNJ kept, dropped or spaced, Persian and Latin digits, campaigns
of identical texts, a few off-topic comments), times `propose_themes` and reports its peak memory
(`resource.getrusage`) and how well the themes recover the concerns. It exits 0 when a goal is missed,
printing MISSED; see bench/README.md.

`propose_themes` never reads the article numbers it is given (it only counts them), so each comment's
article is tagged with the concern it was written for ("costs/3", "costs/0" for the whole draft): the
themes' `articles` then say which concerns each theme holds, through the public result alone.

Not a test: the name has no test_ prefix and the file lives outside tests/, so pytest never collects it.
"""

import argparse
import json
import os
import platform
import random
import resource
import sys
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

from eparticipation.reports.themes import propose_themes  # noqa: E402

GOAL_SECONDS = 60
GOAL_MEMORY_BYTES = 2 * 1024**3
ZWNJ = "\u200c"

CONCERNS = {
    "deadlines": "مهلت کوتاه زمان فرصت تمدید اجرا دوره‌گذار زودهنگام عجله آماده‌سازی زمان‌بندی تاخیر فوری ناکافی "
    "طولانی‌تر مرحله‌ای تدریجی برنامه‌ریزی شش‌ماهه یک‌ساله",
    "costs": "هزینه عوارض تعرفه کسب‌وکار کوچک بنگاه مالیات پرداخت گران سنگین معافیت تخفیف کارمزد سرمایه زیان "
    "ورشکستگی مغازه تولیدکننده قیمت بار‌مالی",
    "privacy": "اطلاعات شخصی حریم خصوصی داده رضایت افشا محرمانه ذخیره‌سازی رمزنگاری امنیت نشت کد‌ملی "
    "شماره‌تلفن شنود پایگاه‌داده هویت حفاظت اشخاص‌ثالث نگهداری",
    "environment": "محیط‌زیست آلودگی هوا آب پسماند زباله بازیافت جنگل منابع‌طبیعی فاضلاب گلخانه‌ای انرژی "
    "سوخت کربن خشکسالی رودخانه تالاب آلاینده زیست‌محیطی پایداری",
    "transparency": "شفافیت فساد رانت پاسخگویی گزارش‌عمومی ذی‌نفعان تعارض‌منافع بازرسی رشوه انتشار "
    "دسترسی‌آزاد صورت‌های‌مالی قراردادها مناقصه حسابرسی اعتماد سوءاستفاده نظارت‌مستقل افکارعمومی پنهان‌کاری",
    "services": "سامانه اینترنت برخط درگاه ثبت‌نام نرم‌افزار قطعی کند کاربرپسند تلفن‌همراه پشتیبانی خطا "
    "احراز‌هویت پیامک الکترونیک دیجیتال روستا پهنای‌باند آموزش دسترس‌پذیری",
}
# The share of each concern among the comments that are neither campaigns nor off-topic.
CONCERN_SHARES = [0.28, 0.22, 0.17, 0.13, 0.11, 0.09]
GENERAL = (
    "این در به از که و را با است برای می‌شود باید بسیار لطفا دولت مردم شهروندان قانون سازمان کشور مسئولان "
    "وزارت پیش‌نویس ماده تبصره بند پیشنهاد نظر اصلاح بررسی موضوع مشکل وضعیت شرایط جامعه اجرایی مقررات ضوابط "
    "روند فرآیند نتیجه ضروری مهم لازم مناسب جدید فعلی کلی اساسی عمومی دستگاه نهاد مدیران کارشناسان تصمیم "
    "سیاست برنامه هدف شهر استان تهران ایران جوانان خانواده‌ها کارمندان حقوق مشارکت توجه نگرانی انتقاد "
    "حمایت مخالفت تصویب ابلاغ تغییر بهبود توسعه کیفیت میزان سطح امکان نیاز مسئله مسائل واقعا متاسفانه "
    "همچنین درست غلط اول دوم همه هیچ بیشتر کمتر چرا چگونه وقتی اگر اما ولی نیز هم یک دو سه چند هر خود ما "
    "آنها شما من او کرد کند کنند شده بود دارد ندارد نیست هست شود شوند گرفته داده‌اند داشته خواهد"
).split()
CAMPAIGNS_PER_CONCERN = 2
CAMPAIGN_COPIES = 8000
OFF_TOPIC_SHARE = 0.03
ARTICLES = 12


def _vary(text: str, rng: random.Random) -> str:
    """The spellings people type: Arabic yeh and kaf, ZWNJ dropped or replaced by a space."""
    roll = rng.random()
    if roll < 0.2:
        text = text.replace("ی", "ي").replace("ک", "ك")
    roll = rng.random()
    if roll < 0.2:
        text = text.replace(ZWNJ, "")
    elif roll < 0.3:
        text = text.replace(ZWNJ, " ")
    return text


def _number(rng: random.Random) -> str:
    number = str(rng.randint(2, 365))
    return number.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) if rng.random() < 0.6 else number


def _comment(concern_words: list[str], other_words: list[str], rng: random.Random) -> str:
    words = rng.choices(concern_words, k=rng.randint(3, 10)) + rng.choices(GENERAL, k=rng.randint(4, 20))
    if rng.random() < 0.15:
        words += rng.choices(other_words, k=rng.randint(1, 2))
    if rng.random() < 0.2:
        words.append(_number(rng))
    rng.shuffle(words)
    return _vary(" ".join(words) + rng.choice([".", "؛", "!", ""]), rng)


def generate(count: int, seed: int, truth: Counter) -> Iterator[tuple[int, str, str]]:
    """`count` comments (id, article tagged with its concern, body), campaigns among them, in a random order;
    `truth` counts the comments of each concern as they are made."""
    rng = random.Random(seed)
    names = list(CONCERNS)
    vocabulary = {name: words.split() for name, words in CONCERNS.items()}
    others = {name: [w for other in names if other != name for w in vocabulary[other]] for name in names}
    campaigns = [(name, _comment(vocabulary[name], others[name], rng)) for name in names
                 for _ in range(CAMPAIGNS_PER_CONCERN)]
    campaign_total = min(len(campaigns) * CAMPAIGN_COPIES, count // 5)
    off_topic = int(count * OFF_TOPIC_SHARE)
    ordinary = count - campaign_total - off_topic
    concerns = rng.choices(names, weights=CONCERN_SHARES, k=ordinary)
    concerns += [campaigns[i % len(campaigns)][0] for i in range(campaign_total)] + ["off-topic"] * off_topic
    order = list(range(count))
    rng.shuffle(order)
    for comment_id, position in enumerate(order, start=1):
        if position < ordinary:
            concern = concerns[position]
            body = _comment(vocabulary[concern], others[concern], rng)
        elif position < ordinary + campaign_total:
            concern, body = campaigns[(position - ordinary) % len(campaigns)]
        else:
            concern, body = "off-topic", " ".join(rng.choices(GENERAL, k=rng.randint(5, 15)))
        truth[concern] += 1
        yield comment_id, f"{concern}/{rng.randint(0, ARTICLES)}", body


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


def run(args) -> dict:
    truth = Counter()
    started = time.perf_counter()
    comments = generate(args.comments, args.seed, truth)
    if not args.stream:
        comments = list(comments)
    generated = time.perf_counter() - started
    rss_before = peak_rss_bytes()

    cpu_started, started = time.process_time(), time.perf_counter()
    themes = propose_themes(comments, max_themes=args.max_themes, sample_size=args.sample_size, seed=args.seed)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    rss_after = peak_rss_bytes()

    rows = []
    for theme in themes:
        by_concern = Counter()
        for article, n in theme.articles.items():
            by_concern[article.split("/")[0]] += n
        concern, held = by_concern.most_common(1)[0]
        rows.append({
            "key": theme.key, "size": theme.size, "concern": concern, "purity": held / theme.size,
            "recall": held / truth[concern], "top_terms": theme.top_terms, "representatives": theme.representatives,
        })
    found = {row["concern"] for row in rows if row["key"] != "other"}
    return {
        "machine": {"cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "load_average": os.getloadavg()},
        "comments": args.comments, "concerns": dict(truth),
        "mode": "streamed, generated inside the timed call" if args.stream
        else f"a list, generated in {generated:.1f} s before the timed call",
        "seconds": round(seconds, 1), "cpu_seconds": round(cpu_seconds, 1),
        "peak_rss_before_mb": rss_before >> 20, "peak_rss_mb": rss_after >> 20,
        "themes": rows,
        "goals": {
            f"propose_themes ≤ {GOAL_SECONDS} s": seconds <= GOAL_SECONDS,
            "peak memory < 2 GB": rss_after < GOAL_MEMORY_BYTES,
            "each of the six concerns is the main concern of a theme": found >= set(CONCERNS),
        },
    }


def table(results: dict) -> str:
    lines = [
        f"{results['comments']:,} comments ({results['mode']}): "
        + ", ".join(f"{name} {n:,}" for name, n in results["concerns"].items()),
        (
            f"propose_themes: {results['seconds']} s wall, {results['cpu_seconds']} s CPU; peak RSS "
            f"{results['peak_rss_before_mb']} MB before the call, {results['peak_rss_mb']} MB after "
            f"(load average {', '.join(f'{x:.1f}' for x in results['machine']['load_average'])})"
        ),
        "",
        "| theme | size | main concern | purity | recall | top terms |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in results["themes"]:
        lines.append(f"| {row['key']} | {row['size']:,} | {row['concern']} | {row['purity']:.1%} | {row['recall']:.1%} "
                     f"| {'، '.join(row['top_terms'])} |")
    lines.append("")
    lines += [f"{goal}: {'met' if met else 'MISSED'}" for goal, met in results["goals"].items()]
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1405)
    parser.add_argument("--max-themes", type=int, default=8)
    parser.add_argument("--sample-size", type=int, default=20_000)
    parser.add_argument("--stream", action="store_true",
                        help="hand the comments over as a generator that makes them on the fly, as "
                        "comments_for_themes streams them: no list in memory, generation inside the timing")
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    results = run(args)
    print(json.dumps(results, ensure_ascii=False, indent=2) if args.json else table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
