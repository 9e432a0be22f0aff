"""`keras-tailor plot`: parsing loss specifications, the drawn curves, and the image file."""

import numpy as np
import pytest

import keras_tailor as kt
from keras_tailor import cli, plotting


def test_parse_name_only():
    loss = plotting.parse_loss("Huber")
    assert isinstance(loss, kt.losses.Huber)
    assert loss.threshold == 1.0


def test_parse_keyword_arguments():
    assert plotting.parse_loss("Huber(threshold=2.5)").threshold == 2.5


@pytest.mark.parametrize(
    "text, message",
    [
        ("Huber(", "expected Name or Name"),
        ("Huber(2.5)", "expected Name or Name"),
        ("losses.Huber", "expected Name or Name"),
        ("Hubr", "Unknown loss 'Hubr'"),
        ("Huber(threshold=x)", "literals"),
        ("Huber(threshold=-1.0)", "Invalid threshold"),
        ("Huber(size=2)", "unexpected keyword"),
        ("__import__('os')", "expected Name or Name"),
    ],
)
def test_parse_rejects_invalid(text, message):
    with pytest.raises(plotting.PlotError, match=message):
        plotting.parse_loss(text)


def test_curves_match_huber_formula():
    errors = np.linspace(-4.0, 4.0, 17)
    rho, psi = plotting.loss_curves(kt.losses.Huber(threshold=1.5), errors)
    # Reference: Huber's rho and its derivative psi written out in numpy.
    expected_rho = np.where(np.abs(errors) <= 1.5, 0.5 * errors**2, 1.5 * np.abs(errors) - 0.5 * 1.5**2)
    expected_psi = np.clip(errors, -1.5, 1.5)
    np.testing.assert_allclose(rho, expected_rho, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(psi, expected_psi, rtol=1e-6, atol=1e-6)


def test_plot_writes_png(tmp_path):
    path = tmp_path / "losses.png"
    plotting.plot_losses(["Huber", "Huber(threshold=0.5)"], str(path), error_range=3.0, points=51)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("error_range, points", [(0.0, 51), (-1.0, 51), (3.0, 2)])
def test_plot_rejects_bad_grid(tmp_path, error_range, points):
    with pytest.raises(plotting.PlotError):
        plotting.plot_losses(["Huber"], str(tmp_path / "x.png"), error_range=error_range, points=points)


def test_cli_plot_exit_codes(tmp_path, capsys):
    assert cli.main(["plot", "Huber", "--out", str(tmp_path / "ok.png")]) == 0
    assert cli.main(["plot", "Nope", "--out", str(tmp_path / "bad.png")]) == 2
    assert "Unknown loss 'Nope'" in capsys.readouterr().err
    assert cli.main(["plot", "Huber", "--out", str(tmp_path / "missing" / "x.png")]) == 2
