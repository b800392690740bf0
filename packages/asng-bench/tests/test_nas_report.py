"""Table 1 / Figure 2 / Table 2 rendering from run folders written in asng-nas's formats."""

import json

from asng_bench.cli import main
from asng_bench.nas_report.published import PUBLISHED_TABLE1, PUBLISHED_TABLE2


def _search(d, psnr=False):
    d.mkdir(parents=True)
    if psnr:
        rows = "epoch,search_seconds,test_psnr,test_ssim\n1,10,12.5,0.30\n2,20,14.25,0.41\n"
    else:
        rows = "epoch,search_seconds,test_accuracy\n1,3600,0.50\n2,7200,0.75\n"
    (d / "log.csv").write_text(rows)
    (d / "architecture.json").write_text(json.dumps({"search_seconds": 8640.0}))
    return d


def test_report_tables_and_figure(tmp_path):
    s = _search(tmp_path / "s")
    r = tmp_path / "r"
    r.mkdir()
    (r / "retrain_summary.json").write_text(json.dumps({"n_params": 3_900_000, "test_error": 0.0283}))
    i = _search(tmp_path / "i", psnr=True)
    ir = tmp_path / "ir"
    ir.mkdir()
    (ir / "metrics.json").write_text(json.dumps({"test_psnr": 29.25, "test_ssim": 0.9111}))
    out = tmp_path / "out"
    main(["nas-report", "--classification", f"{s}:{r}", "--inpainting", f"center:cat:{i}:{ir}", f"pixel:int:{i}"]
         + ["--label", "unit test", "--out", str(out)])  # fmt: skip
    t1 = (out / "table1.md").read_text()
    assert t1.count("| published |") == len(PUBLISHED_TABLE1)
    assert "| ASNG-NAS, ours (unit test) | 0.1000 (CPU) | 3.90 | 2.83 |" in t1  # 8640 s = 0.1 day
    assert (out / "fig2_search.png").stat().st_size > 1000
    t2 = (out / "table2.md").read_text()
    assert t2.count("| published |") == len(PUBLISHED_TABLE2)
    assert "| ASNG-NAS (Cat), ours (unit test) | 29.2 / 0.911 | – | – |" in t2
    assert "| ASNG-NAS (Int), ours (unit test) | – | 14.2 / 0.410 (search net) | – |" in t2
