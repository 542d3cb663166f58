"""``numeral data``: list, download, verify and look at data sets.

``list``      every registered data set, the folder it was found in, and whether
              its files verify;
``download``  fetch registered data sets into the cache folder (or ``--data-dir``);
``verify``    check the structure and the checksums of the contents;
``show``      counts per class and a few images, in the terminal or as a picture.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .common import dataset_name, download_progress, print_json


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "data",
        help="list, download, verify and look at data sets",
        description="Find, download, verify and look at the data sets numeral "
        "trains on: mnist, fashion-mnist, kmnist, or idx:DIR for a folder of "
        "your own IDX files.",
    )
    p.set_defaults(run=lambda args: p.print_help() or 2)
    actions = p.add_subparsers(dest="action", metavar="ACTION")

    a = actions.add_parser(
        "list",
        help="data sets, where each was found, and whether it verifies",
        description="List the registered data sets, the folder each was found "
        "in, and whether its files pass their checks (this reads every file).",
    )
    _add_data_dir(a)
    a.add_argument("--json", action="store_true", help="print one JSON object")
    a.set_defaults(run=run_list)

    a = actions.add_parser(
        "download",
        help="download data sets into the cache folder",
        description="Download registered data sets, verify them and store them "
        "in the cache folder (or in DIR/NAME with --data-dir DIR). Files already "
        "there that verify are kept.",
    )
    a.add_argument("names", nargs="*", metavar="NAME", help="data sets to fetch")
    a.add_argument("--all", action="store_true", help="fetch every data set")
    a.add_argument(
        "--force", action="store_true", help="fetch again even if files verify"
    )
    _add_data_dir(a, "download into DIR/NAME instead of the cache folder")
    a.set_defaults(run=run_download)

    a = actions.add_parser(
        "verify",
        help="check files and the checksums of their contents",
        description="Check every file of the data sets named (default: every "
        "registered data set found): IDX structure, shapes, label range, and the "
        "MD5 of the uncompressed contents against the published checksum. "
        "idx:DIR data sets are checked for their structure.",
    )
    a.add_argument(
        "names", nargs="*", metavar="NAME", type=dataset_name, help="data sets"
    )
    _add_data_dir(a)
    a.add_argument("--json", action="store_true", help="print one JSON object")
    a.set_defaults(run=run_verify)

    a = actions.add_parser(
        "show",
        help="counts per class and a few images",
        description="Print how many images each class has, and draw a few "
        "images in the terminal; --out also saves them as a picture grid.",
    )
    a.add_argument("name", metavar="NAME", type=dataset_name, help="data set")
    _add_data_dir(a)
    a.add_argument(
        "--split",
        choices=["train", "test"],
        default="train",
        help="which images to draw (default: %(default)s)",
    )
    a.add_argument(
        "--count",
        type=int,
        default=6,
        help="images to draw; 0 for counts only (default: %(default)s)",
    )
    a.add_argument(
        "--start", type=int, default=0, help="index of the first image (default: 0)"
    )
    a.add_argument(
        "--class",
        dest="class_",
        metavar="CLASS",
        help="draw only images of this class (its name or index)",
    )
    a.add_argument("--out", metavar="FILE.png", help="also save a picture grid")
    a.add_argument(
        "--scale",
        type=int,
        default=3,
        help="pixels per image pixel in --out (default: %(default)s)",
    )
    a.add_argument(
        "--ascii", action="store_true", help="draw with ASCII, not shade blocks"
    )
    a.set_defaults(run=run_show)


def _add_data_dir(parser, text=None) -> None:
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help=text
        or "folder holding one sub-folder per data set, searched first "
        "(then $NUMERAL_DATA_DIR, then the cache folder)",
    )


# ---- list -------------------------------------------------------------------


def _status(name: str, data_dir) -> dict:
    """Where data set ``name`` is, and whether its files pass their checks."""
    from ..datasets import DataNotFound, verify_dataset
    from ..errors import DataError
    from ..registry import get_spec

    spec = get_spec(name)
    entry = {"name": name, "title": spec.title, "classes": len(spec.class_names)}
    try:
        checks = verify_dataset(name, data_dir)
    except DataNotFound:
        entry.update(folder=None, status="not found", problem=None)
        return entry
    except DataError as e:
        entry.update(folder=None, status="incomplete", problem=str(e))
        return entry
    entry["folder"] = str(checks[0].path.parent)
    failed = [c for c in checks if not c.ok]
    if failed:
        entry.update(status="FAILED", problem=failed[0].message)
    elif spec.has_checksums:
        entry.update(status="verified", problem=None)
    else:
        entry.update(status="structure ok", problem=None)
    return entry


def run_list(args) -> int:
    from ..datasets import cache_dir
    from ..registry import REGISTRY

    entries = [_status(name, args.data_dir) for name in REGISTRY]
    if args.json:
        print_json({"datasets": entries, "cache": str(cache_dir())})
        return 0
    print(f"{'name':<15}{'classes':>7}  {'status':<13}folder")
    for e in entries:
        where = e["folder"] or f"(run: numeral data download {e['name']})"
        print(f"{e['name']:<15}{e['classes']:>7}  {e['status']:<13}{where}")
    for e in entries:
        if e["problem"]:
            print(f"\n{e['name']}: {e['problem']}")
    print(f"\ncache folder: {cache_dir()}")
    return 0


# ---- download ---------------------------------------------------------------


def run_download(args) -> int:
    from ..datasets import cache_dir
    from ..download import download_dataset
    from ..errors import DataError
    from ..registry import IDX_PREFIX, REGISTRY, get_spec

    names = list(REGISTRY) if args.all else args.names
    if not names:
        raise DataError(
            f"name a data set to download ({', '.join(REGISTRY)}) or pass --all"
        )
    for name in names:
        if name.startswith(IDX_PREFIX):
            raise DataError(
                f"{name}: an idx: folder holds your own files and cannot be "
                f"downloaded; the data sets to download are {', '.join(REGISTRY)}"
            )
    specs = [get_spec(name) for name in names]  # refuse unknown names first
    root = args.data_dir or cache_dir()
    for spec in specs:
        folder = download_dataset(
            spec, root, on_progress=download_progress(), force=args.force
        )
        what = "verified" if spec.has_checksums else "structure checked"
        print(f"{spec.name}: {what}, in {folder}")
    return 0


# ---- verify -----------------------------------------------------------------


def _verify_idx(name: str) -> dict:
    """Load an ``idx:`` data set; loading checks its whole structure."""
    from ..datasets import load_dataset

    data = load_dataset(name)
    h, w = data.image_shape
    return {
        "name": data.name,
        "ok": True,
        "files": [],
        "summary": f"structure ok: {len(data.train_labels)} training and "
        f"{len(data.test_labels)} test images of {h}x{w} pixels, "
        f"{data.n_classes} classes (idx: folders carry no checksums)",
    }


def _verify_registered(name: str, data_dir) -> dict:
    from ..datasets import verify_dataset
    from ..registry import get_spec

    spec = get_spec(name)
    checks = verify_dataset(name, data_dir)
    files = [
        {
            "path": str(c.path),
            "ok": c.ok,
            "md5": c.md5,
            "expected_md5": c.expected_md5,
            "message": c.message,
        }
        for c in checks
    ]
    n_bad = sum(not c.ok for c in checks)
    if n_bad:
        summary = f"{n_bad} of {len(checks)} files failed"
    elif spec.has_checksums:
        summary = "verified: every checksum matches"
    else:
        summary = f"structure ok ({spec.checksum_note})"
    return {"name": name, "ok": not n_bad, "files": files, "summary": summary}


def run_verify(args) -> int:
    from ..errors import DataError
    from ..registry import IDX_PREFIX, REGISTRY

    names = args.names
    if not names:  # every registered data set that can be found
        names = [n for n in REGISTRY if _status_found(n, args.data_dir)]
        if not names:
            raise DataError(
                "no data set found to verify; run: numeral data download mnist"
            )
    reports = [
        _verify_idx(n)
        if n.startswith(IDX_PREFIX)
        else _verify_registered(n, args.data_dir)
        for n in names
    ]

    if args.json:
        print_json({"datasets": reports, "ok": all(r["ok"] for r in reports)})
    else:
        for report in reports:
            print(f"{report['name']}: {report['summary']}")
            for f in report["files"]:
                detail = f"md5 {f['md5']}" if f["ok"] else f["message"]
                print(f"  {'ok  ' if f['ok'] else 'FAIL'}  {f['path']}  {detail}")
    failed = [f for r in reports for f in r["files"] if not f["ok"]]
    if failed:
        raise DataError(
            f"{len(failed)} file(s) failed verification; first: {failed[0]['message']}"
        )
    return 0


def _status_found(name: str, data_dir) -> bool:
    """Whether any data folder holds files of ``name`` (all four or not)."""
    from ..datasets import DataNotFound, locate
    from ..errors import DataError

    try:
        locate(name, data_dir)
    except DataNotFound:
        return False
    except DataError:
        return True
    return True


# ---- show -------------------------------------------------------------------


def _class_index(text: str, class_names) -> int:
    from ..errors import DataError

    if text in class_names:
        return list(class_names).index(text)
    if text.isdigit() and int(text) < len(class_names):
        return int(text)
    raise DataError(
        f"--class {text!r}: expected a class name or index; the classes are "
        + ", ".join(f"{i} {n}" for i, n in enumerate(class_names))
    )


def run_show(args) -> int:
    import numpy as np

    from ..atomicfile import atomic_write
    from ..errors import ConfigError
    from ..preview import class_counts, picture_grid, text_grid
    from .common import load_data

    if args.count < 0 or args.start < 0 or args.scale < 1:
        raise ConfigError(
            "--count and --start must be at least 0 and --scale at least 1, got "
            f"{args.count}, {args.start}, {args.scale}"
        )
    picture_format = _picture_format(args.out) if args.out else None
    data = load_data(args.name, args.data_dir)

    # counts per class
    names = data.class_names
    train = class_counts(data.train_labels, data.n_classes)
    test = class_counts(data.test_labels, data.n_classes)
    h, w = data.image_shape
    print(
        f"{data.name}: {len(data.train_labels)} training and "
        f"{len(data.test_labels)} test images of {h}x{w} pixels, "
        f"{data.n_classes} classes"
    )
    width = max(5, max(len(n) for n in names))
    print(f"{'class':>5}  {'name':<{width}}  {'train':>7}  {'test':>7}")
    for i, name in enumerate(names):
        print(f"{i:>5}  {name:<{width}}  {train[i]:>7}  {test[i]:>7}")

    # a few images: in the terminal, and as a picture with --out
    images = data.train_images if args.split == "train" else data.test_images
    labels = data.train_labels if args.split == "train" else data.test_labels
    index = np.arange(len(labels))
    if args.class_ is not None:
        index = index[labels == _class_index(args.class_, names)]
    index = index[args.start : args.start + args.count]
    if len(index) == 0:
        return 0
    picked = images[index].reshape(len(index), h, w)
    captions = [f"#{i} {names[labels[i]]}" for i in index]
    columns = shutil.get_terminal_size((80, 24)).columns
    print()
    print(text_grid(picked, captions, ascii_only=args.ascii, width=columns))
    if args.out:
        picture = picture_grid(picked, captions, scale=args.scale)
        with atomic_write(args.out) as f:
            picture.save(f, format=picture_format)
        print(f"\nsaved {len(index)} images to {args.out}")
    return 0


def _picture_format(path: str) -> str:
    """Pillow's name for the image format that ``path``'s extension stands for."""
    from PIL import Image

    from ..errors import ConfigError

    suffix = Path(path).suffix.lower()
    picture_format = Image.registered_extensions().get(suffix)
    if picture_format is None or picture_format not in Image.SAVE:
        raise ConfigError(
            f"--out {path}: cannot tell an image format from "
            f"{suffix or 'no extension'!r}; end the file name with .png"
        )
    return picture_format
