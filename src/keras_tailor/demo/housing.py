"""Loading and preparing the California housing data shipped with keras-tailor."""

import csv
import gzip
import io
import math
from importlib import resources

import numpy as np

NUMERIC_COLUMNS = (
    "longitude",
    "latitude",
    "housing_median_age",
    "total_rooms",
    "total_bedrooms",
    "population",
    "households",
    "median_income",
)
TARGET_COLUMN = "median_house_value"
CATEGORY_COLUMN = "ocean_proximity"
CATEGORIES = ("<1H OCEAN", "INLAND", "NEAR OCEAN", "NEAR BAY", "ISLAND")
# Only this column has empty fields in the shipped file; they are imputed.
IMPUTED_COLUMN = "total_bedrooms"
TARGET_UNIT = 100_000.0
FEATURE_NAMES = NUMERIC_COLUMNS + tuple(f"{CATEGORY_COLUMN}={c}" for c in CATEGORIES)


class DataError(ValueError):
    """The data file is missing or does not have the expected layout."""


class HousingData:
    """Raw columns of the housing file.

    Attributes:
        numeric: float64 array `(rows, 8)` in the order of `NUMERIC_COLUMNS`, NaN
            where `total_bedrooms` is empty.
        categories: integer array `(rows,)` of indices into `CATEGORIES`.
        target: float64 array `(rows,)`, the median house value in US dollars.
    """

    def __init__(self, numeric, categories, target):
        self.numeric = numeric
        self.categories = categories
        self.target = target


class Split:
    """Model-ready arrays: raw features (after imputation and one-hot encoding) and targets.

    Attributes:
        train_features, validation_features: float32 arrays `(rows, 13)`, columns
            in the order of `FEATURE_NAMES`.
        train_target, validation_target: float32 arrays `(rows, 1)`, in units of
            $100,000.
        imputed_value: the training-split median of `total_bedrooms` that
            replaced the empty fields in both splits.
    """

    def __init__(self, train_features, train_target, validation_features, validation_target, imputed_value):
        self.train_features = train_features
        self.train_target = train_target
        self.validation_features = validation_features
        self.validation_target = validation_target
        self.imputed_value = imputed_value


def shipped_data_path():
    """Return the path of the compressed CSV inside the installed package."""
    return resources.files("keras_tailor") / "data" / "california_housing.csv.gz"


def _read_text(path):
    path = str(path)
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
                return handle.read()
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        raise DataError(f"Data file not found: {path}.") from None
    except IsADirectoryError:
        raise DataError(f"Data file {path} is a directory, expected a CSV file.") from None
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise DataError(f"Data file {path} could not be read ({error}). Expected a UTF-8 CSV, optionally gzip-compressed.") from None


def _parse_float(text, path, line, column, allow_empty=False):
    if text == "" and allow_empty:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise DataError(
            f"Malformed data file {path}: line {line}, column {column!r} has {text!r}, expected a number."
        ) from None
    if not math.isfinite(value):
        raise DataError(
            f"Malformed data file {path}: line {line}, column {column!r} has {text!r}, expected a finite number."
        )
    return value


def load_housing(path=None):
    """Read the housing CSV (plain or `.gz`) and check its layout.

    Args:
        path: the file to read. Defaults to the copy shipped in the package.

    Returns:
        A `HousingData`.

    Raises:
        DataError: the file is missing or unreadable, a required column is
            missing, a value is not a number, a category is unknown, or an
            empty field appears outside `total_bedrooms`.
    """
    path = shipped_data_path() if path is None else path
    reader = csv.reader(io.StringIO(_read_text(path)))
    header = next(reader, None)
    if header is None:
        raise DataError(f"Malformed data file {path}: the file is empty, expected a header line.")
    header = [name.strip() for name in header]
    required = NUMERIC_COLUMNS + (TARGET_COLUMN, CATEGORY_COLUMN)
    missing = [name for name in required if name not in header]
    if missing:
        raise DataError(f"Malformed data file {path}: missing columns {missing}; found {header}.")
    position = {name: header.index(name) for name in required}

    numeric, categories, target = [], [], []
    for line, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise DataError(
                f"Malformed data file {path}: line {line} has {len(row)} fields, expected {len(header)}."
            )
        numeric.append([
            _parse_float(row[position[name]], path, line, name, allow_empty=name == IMPUTED_COLUMN)
            for name in NUMERIC_COLUMNS
        ])
        target.append(_parse_float(row[position[TARGET_COLUMN]], path, line, TARGET_COLUMN))
        category = row[position[CATEGORY_COLUMN]]
        if category not in CATEGORIES:
            raise DataError(
                f"Malformed data file {path}: line {line} has {CATEGORY_COLUMN}={category!r}, "
                f"expected one of {list(CATEGORIES)}."
            )
        categories.append(CATEGORIES.index(category))

    if not numeric:
        raise DataError(f"Malformed data file {path}: no data rows after the header.")
    return HousingData(np.asarray(numeric), np.asarray(categories), np.asarray(target))


def split_and_prepare(data, seed, validation_fraction=0.2):
    """Shuffle, split, impute and one-hot encode the data.

    The rows of the file are ordered by region, so they are shuffled with
    `seed` before the split. Empty `total_bedrooms` fields take the median of
    the training split only, so no validation information leaks into training.

    Returns:
        A `Split`.
    """
    if not 0.0 < validation_fraction < 1.0:
        raise ValueError(f"Invalid validation_fraction: received {validation_fraction!r}, expected a number in (0, 1).")
    rows = len(data.target)
    validation_rows = int(round(rows * validation_fraction))
    if validation_rows < 1 or rows - validation_rows < 1:
        raise DataError(f"The data has {rows} rows, too few for a training and a validation split.")
    order = np.random.default_rng(seed).permutation(rows)
    validation_index, train_index = order[:validation_rows], order[validation_rows:]

    imputed_column = NUMERIC_COLUMNS.index(IMPUTED_COLUMN)
    train_values = data.numeric[train_index, imputed_column]
    if np.all(np.isnan(train_values)):
        raise DataError(f"Every {IMPUTED_COLUMN} value of the training split is empty, so none can be imputed.")
    imputed_value = float(np.nanmedian(train_values))

    def features(index):
        numeric = data.numeric[index].copy()
        column = numeric[:, imputed_column]
        column[np.isnan(column)] = imputed_value
        one_hot = np.eye(len(CATEGORIES))[data.categories[index]]
        return np.concatenate([numeric, one_hot], axis=1).astype("float32")

    def target(index):
        return (data.target[index] / TARGET_UNIT).astype("float32")[:, None]

    return Split(features(train_index), target(train_index), features(validation_index), target(validation_index), imputed_value)
