"""The idx file format of MNIST and Fashion-MNIST (LeCun et al.), read with NumPy.

An idx file is a big-endian header, then the data in C order:
  bytes 0-1  zero
  byte  2    the element type (0x08: unsigned byte, the only one these datasets use)
  byte  3    the number of dimensions d
  then d big-endian uint32 sizes, then prod(sizes) elements.
The first four bytes read as one big-endian integer are the "magic number": 2051 (0x00000803)
for an image file [N, rows, columns], 2049 (0x00000801) for a label file [N].
Files may be gzipped (the distributed form, `.gz`); both forms are read.
"""

import gzip
import struct
import zlib

import numpy as np

from igdtf.errors import DataError

IMAGES_MAGIC = 2051  # unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # unsigned bytes, 1 dimension


def _read_bytes(path: str) -> bytes:
    """The file's bytes, gunzipped when it starts with the gzip signature."""
    with open(path, "rb") as stream:
        content = stream.read()
    if content[:2] != b"\x1f\x8b":
        return content
    try:
        return gzip.decompress(content)
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(f"{path} is a damaged gzip file ({error}); replace it with the original.") from None


def read_idx(path: str, magic: int) -> np.ndarray:
    """The uint8 array stored in idx file `path` ([N, rows, columns] for IMAGES_MAGIC, [N] for
    LABELS_MAGIC). DataError naming the file if its magic number is not `magic` or its length
    does not match the sizes its header declares."""
    content = _read_bytes(path)
    if len(content) < 4:
        raise DataError(f"{path} is not an idx file: {len(content)} bytes, shorter than the 4-byte magic number.")
    found = struct.unpack(">I", content[:4])[0]
    if found != magic:
        kind = "image" if magic == IMAGES_MAGIC else "label"
        raise DataError(f"{path} is not an idx {kind} file: magic number {found}, expected {magic}.")
    dimensions = content[3]
    header = 4 + 4 * dimensions
    if len(content) < header:
        raise DataError(f"{path} is truncated: {len(content)} bytes, shorter than its {header}-byte header.")
    shape = struct.unpack(f">{dimensions}I", content[4:header])
    expected = header + int(np.prod(shape, dtype=np.int64))
    if len(content) != expected:
        raise DataError(f"{path} is damaged: its header declares {'x'.join(map(str, shape))} bytes of data "
                        f"({expected} bytes in all), the file has {len(content)}; replace it with the original.")
    return np.frombuffer(content, np.uint8, offset=header).reshape(shape)

