"""Writes METADATA and entry_points.txt of the build tree's sitecache.dist-info.

    dist_info.py PYPROJECT VERSION OUTDIR

The entry points come from pyproject.toml's [project.entry-points] and
[project.scripts], so the build tree registers exactly what an installed wheel does.
"""
import pathlib
import sys
import tomllib


def main() -> None:
    pyproject, version, outdir = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
    project = tomllib.loads(pathlib.Path(pyproject).read_text(encoding="utf-8"))["project"]
    (outdir / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {version}\n", encoding="utf-8")
    groups = dict(project.get("entry-points", {}))
    if "scripts" in project:
        groups["console_scripts"] = project["scripts"]
    lines = []
    for group in sorted(groups):
        lines.append(f"[{group}]")
        lines += [f"{name} = {target}" for name, target in sorted(groups[group].items())]
        lines.append("")
    (outdir / "entry_points.txt").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
