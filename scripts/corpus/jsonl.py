"""Reading the corpus's JSON-lines files, for the scripts in scripts/corpus/."""
import json


def read_jsonl(path):
    """Yields (line number, record) for each non-blank line of `path`; a line
    that is not JSON stops the script with the file and line named."""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    yield n, json.loads(line)
                except json.JSONDecodeError as e:
                    raise SystemExit(f"{path}:{n}: not JSON ({e})") from None
