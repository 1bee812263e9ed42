"""JPEGs that carry a camera's or photo desk's metadata: EXIF, IPTC and XMP, as real
cameras, scanners and Photoshop write them."""

from __future__ import annotations

from pathlib import Path

from PIL import Image


def iptc_segment(datasets: dict[tuple[int, int], str]) -> bytes:
    """An APP13 "Photoshop 3.0" segment holding an IPTC block (declared UTF-8)."""
    iptc = b"\x1c\x01\x5a\x00\x03\x1b%G"  # 1:90, coded character set: UTF-8
    for (record, dataset), text in datasets.items():
        value = text.encode("utf-8")
        iptc += bytes([0x1C, record, dataset]) + len(value).to_bytes(2, "big") + value
    if len(iptc) % 2:
        iptc += b"\x00"
    resource = b"8BIM\x04\x04\x00\x00" + len(iptc).to_bytes(4, "big") + iptc
    body = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + (len(body) + 2).to_bytes(2, "big") + body


def xmp_packet(title: dict[str, str] | None = None,
               description: dict[str, str] | None = None) -> bytes:
    def alt(name: str, texts: dict[str, str] | None) -> str:
        if not texts:
            return ""
        items = "".join(f'<rdf:li xml:lang="{lang}">{text}</rdf:li>'
                        for lang, text in texts.items())
        return f"<dc:{name}><rdf:Alt>{items}</rdf:Alt></dc:{name}>"

    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        + alt("title", title) + alt("description", description)
        + '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode("utf-8")


def write_jpeg(path: Path, *, taken: str | None = None, description: str | None = None,
               artist: str | None = None, iptc: dict[tuple[int, int], str] | None = None,
               xmp_title: dict[str, str] | None = None,
               xmp_description: dict[str, str] | None = None,
               size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (90, 120, 150)
               ) -> Path:
    """A small JPEG; `taken` like `2019:05:14 10:22:03` goes to EXIF DateTimeOriginal."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    if description is not None:
        exif[0x010E] = description
    if artist is not None:
        exif[0x013B] = artist
    if taken is not None:
        exif.get_ifd(0x8769)[0x9003] = taken
    options: dict[str, object] = {"exif": exif.tobytes()}
    if xmp_title or xmp_description:
        options["xmp"] = xmp_packet(xmp_title, xmp_description)
    image.save(path, "JPEG", quality=80, **options)
    if iptc:
        data = path.read_bytes()
        path.write_bytes(data[:2] + iptc_segment(iptc) + data[2:])
    return path


HEADLINE, CAPTION, BYLINE = (2, 105), (2, 120), (2, 80)
