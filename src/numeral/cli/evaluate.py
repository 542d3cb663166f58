"""``numeral evaluate``: test accuracy, confusion matrix, precision and recall."""

from __future__ import annotations

from .common import add_data_options, load_model_dataset, print_json


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "evaluate",
        help="measure a model on a test set",
        description="Report a model's accuracy on the test set of a data set, with "
        "its confusion matrix and per-class precision and recall.",
    )
    p.add_argument("model", help="model file to evaluate")
    add_data_options(p, dataset_default=None)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def evaluate_model(model, images, labels) -> dict:
    """Accuracy, confusion matrix and per-class figures of ``model`` on a test set."""
    from ..metrics import accuracy, confusion_matrix, precision_recall

    predicted = model.network.predict(images)
    n_classes = model.network.sizes[-1]
    confusion = confusion_matrix(predicted, labels, n_classes)
    precision, recall = precision_recall(confusion)
    return {
        "accuracy": accuracy(predicted, labels),
        "n_samples": int(len(labels)),
        "confusion": confusion.tolist(),
        "precision": precision.tolist(),
        "recall": recall.tolist(),
        "class_names": model.class_names,
    }


def format_report(report: dict) -> str:
    """The confusion matrix and per-class table as plain text."""
    names = report["class_names"]
    width = max(6, max(len(n) for n in names) + 1)
    lines = [
        f"test accuracy {100 * report['accuracy']:.2f}% "
        f"on {report['n_samples']} images",
        "",
        "confusion matrix (rows: true class, columns: predicted)",
        " " * width + "".join(f"{n:>{width}}" for n in names),
    ]
    for name, row in zip(names, report["confusion"]):
        lines.append(f"{name:>{width}}" + "".join(f"{c:>{width}}" for c in row))
    lines += ["", f"{'class':>{width}}  precision  recall"]
    for name, p, r in zip(names, report["precision"], report["recall"]):
        lines.append(f"{name:>{width}}  {100 * p:8.2f}%  {100 * r:6.2f}%")
    return "\n".join(lines)


def run(args) -> int:
    from ..modelfile import load_model

    model = load_model(args.model)
    dataset = load_model_dataset(model, args.model, args.dataset, args.data_dir)
    report = evaluate_model(model, dataset.test_images, dataset.test_labels)
    report["dataset"] = args.dataset or model.dataset or "mnist"
    if args.json:
        print_json(report)
    else:
        print(format_report(report))
    return 0
