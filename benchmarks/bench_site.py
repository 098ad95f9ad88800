"""Site build benchmark: 10,000 cards (variants of the real ones) built by cardhub and by Hugo.

Prints the full build time, the rebuild time after one card changes, the index page's and a
model page's bytes (raw and gzip, with the CSS and JS they load), and the same cards built by
Hugo (Debian `hugo`, a minimal layout that renders the card body) with the ratio.

    python benchmarks/bench_site.py [--cards 10000] [--repeat 3] [--keep DIR] [--no-hugo]

With `--cards 30000` the 10,000-card site is built too, and the one-card rebuild of both sizes is
printed side by side (it should not grow with the catalog), with the compact listing's size.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = [REPO.parent / "shared" / "corpus" / "cards", REPO / "cards"]
HUGO = shutil.which("hugo")


def source_cards() -> list[tuple[str, str]]:
    """(name, text) of every real card, from the shared corpus and the seeds."""
    found = []
    for folder in SOURCES:
        for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
            text = path.read_text(encoding="utf-8", errors="replace")
            match = re.search(r"^name:\s*(\S+)\s*$", text, re.M)
            if match:
                found.append((match.group(1), text))
    return found


def make_variants(count: int, folder: Path) -> list[Path]:
    """`count` cards: each real card renamed `<name>_v<i>` everywhere (front matter, links,
    snippets), so that every variant is its own model with its own artifact."""
    sources = source_cards()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        name, text = sources[i % len(sources)]
        new_name = f"{name}_v{i}"
        variant = re.sub(rf"\b{re.escape(name)}\b", new_name, text)
        path = folder / f"2024-01-01-{new_name}.md"
        path.write_text(variant, encoding="utf-8")
        paths.append(path)
    return paths


def hugo_site(cards: list[Path], folder: Path) -> Path:
    """A minimal Hugo site with one page per card: a clean front matter (title, date) and the
    card's body as written, rendered by Goldmark with Chroma highlighting."""
    (folder / "layouts" / "_default").mkdir(parents=True)
    (folder / "content" / "models").mkdir(parents=True)
    (folder / "hugo.toml").write_text(
        'baseURL = "http://127.0.0.1/"\ntitle = "bench"\ndisableKinds = ["taxonomy", "term", "RSS"]\n'
        "[markup.goldmark.renderer]\nunsafe = true\n"
    )
    base = "<!doctype html><html><head><title>{{ .Title }}</title></head><body>%s</body></html>"
    (folder / "layouts" / "_default" / "single.html").write_text(base % "<h1>{{ .Title }}</h1>{{ .Content }}")
    listing = (
        '<ul>{{ range .Site.RegularPages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>'
        "{{ end }}</ul>"
    )
    (folder / "layouts" / "index.html").write_text(base % listing)
    (folder / "layouts" / "_default" / "list.html").write_text(base % listing)
    for path in cards:
        text = path.read_text(encoding="utf-8")
        parts = text.split("---", 2)
        body = parts[2] if len(parts) == 3 else text
        title = re.search(r"^title:\s*(.*)$", parts[1] if len(parts) == 3 else "", re.M)
        front = {"title": title.group(1).strip() if title else path.stem, "date": "2024-01-01"}
        (folder / "content" / "models" / path.name).write_text(
            "---\n" + "\n".join(f"{k}: {json.dumps(v)}" for k, v in front.items()) + "\n---\n" + body
        )
    return folder


def timed(action: object) -> float:
    assert callable(action)
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def page_bytes(site: Path, page: Path, assets: list[str]) -> tuple[int, int]:
    files = [page, *(site / a for a in assets)]
    raw = sum(f.stat().st_size for f in files)
    return raw, sum(len(gzip.compress(f.read_bytes())) for f in files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the median is printed)")
    parser.add_argument("--keep", type=Path, help="build here and keep the result")
    parser.add_argument("--no-hugo", action="store_true", help="skip the Hugo comparison")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_site_"))
    rebuild = {}
    if args.cards > 10_000:
        print("--- 10000 cards, for the one-card rebuild beside the bigger catalog ---")
        rebuild[10_000] = measure(10_000, args.repeat, work / "10000", hugo=False)
        print(f"--- {args.cards} cards ---")
    rebuild[args.cards] = measure(args.cards, args.repeat, work / str(args.cards), hugo=not args.no_hugo)
    if len(rebuild) > 1:
        print("one-card rebuild: " + ", ".join(f"{n} cards {t:.3f} s" for n, t in rebuild.items()))


def measure(count: int, repeat: int, work: Path, hugo: bool) -> float:
    """Builds `count` cards; prints the figures; returns the median one-card rebuild time."""
    from site_builder.build import build_site

    cards = make_variants(count, work / "cards")
    print(f"{len(cards)} cards from {len(source_cards())} real ones in {work}")

    out = work / "site"
    fulls = []
    for _ in range(repeat):
        shutil.rmtree(out, ignore_errors=True)
        fulls.append(timed(lambda: build_site(work / "cards", out, incremental=False)))
    full = statistics.median(fulls)
    print(f"cardhub full build: median {full:.2f} s over {len(fulls)} runs ({[round(t, 2) for t in fulls]})")

    rebuilds = []
    target = cards[len(cards) // 2]
    for i in range(max(5, repeat)):
        changed = re.sub(r"^title: .*$", f"title: Changed title {i}", target.read_text(), count=1, flags=re.M)
        target.write_text(changed)
        rebuilds.append(timed(lambda: build_site(work / "cards", out)))
    rebuild = statistics.median(rebuilds)
    print(f"cardhub rebuild after one card changed: median {rebuild:.3f} s "
          f"({[round(t, 3) for t in rebuilds]})")

    index = page_bytes(out, out / "index.html", ["static/site.css", "static/site.js"])
    model_page = next((out / "models").glob("*/*.html"))
    model = page_bytes(out, model_page, ["static/site.css", "static/site.js", "static/highlight.css"])
    print(f"index first load: {index[0] / 1000:.1f} kB raw, {index[1] / 1000:.1f} kB gzip (HTML + CSS + JS)")
    print(
        f"model page ({model_page.parent.name}): {model_page.stat().st_size / 1000:.1f} kB HTML; "
        f"{model[0] / 1000:.1f} kB raw, {model[1] / 1000:.1f} kB gzip with CSS + JS"
    )
    models_json = out / "api" / "models.json"
    print(
        f"api/models.json: {models_json.stat().st_size / 1e6:.1f} MB; search index: "
        f"{sum(f.stat().st_size for f in (out / 'search').rglob('*.js')) / 1e6:.1f} MB in "
        f"{sum(1 for _ in (out / 'search').rglob('*.js'))} chunks"
    )

    listing = out / "api" / "listing.json"
    print(f"api/listing.json (compact listing): {listing.stat().st_size / 1e6:.2f} MB raw, "
          f"{len(gzip.compress(listing.read_bytes())) / 1e6:.2f} MB gzip")
    if not hugo:
        return rebuild
    if HUGO is None:
        print("hugo: not installed (apt-get install hugo); no ratio")
        return rebuild
    site = hugo_site(cards, work / "hugo")
    version = subprocess.run([HUGO, "version"], capture_output=True, text=True).stdout.strip()
    hugos = []
    for _ in range(repeat):
        shutil.rmtree(site / "public", ignore_errors=True)
        hugos.append(timed(lambda: subprocess.run([HUGO, "--quiet", "-s", str(site)], check=True)))
    hugo_time = statistics.median(hugos)
    print(f"hugo full build ({version}): median {hugo_time:.2f} s ({[round(t, 2) for t in hugos]})")
    print(f"ratio cardhub / hugo: {full / hugo_time:.2f} (target: within 2x)")
    return rebuild


if __name__ == "__main__":
    main()
