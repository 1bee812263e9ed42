"""Which decoder a clip tries first: a hardware one where the machine has it, software last.

Pure: the machine's report (what its FFmpeg was built with, which device nodes exist) is
handed in, so every branch is tested here without a GPU or PyAV. The edge that asks the
machine and opens the decoders is ``video_source``.

Two kinds of hardware decoding exist in FFmpeg, and the kiosk knows one of each:

* V4L2 M2M (a Raspberry Pi 4's H.264 block at ``/dev/video10``): a decoder of its own,
  ``h264_v4l2m2m``, used instead of the ``h264`` one.
* VA-API (Intel, AMD): an accelerator under the usual decoder, on a DRI render node
  such as ``/dev/dri/renderD128``; pictures are downloaded to memory as NV12.

``auto`` takes the first the machine offers for the clip's codec; naming one tries it
even without a device node in sight (FFmpeg then says why it cannot), but not when this
FFmpeg was built without it. Software decoding always comes last: a clip plays anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

DECODER_SETTINGS = ("auto", "software", "vaapi", "v4l2m2m")
SOFTWARE = "software"
# Codecs VA-API decodes on some hardware; asking for others only costs a failed open.
VAAPI_CODECS = frozenset({"h264", "hevc", "vp8", "vp9", "av1", "mpeg2video", "vc1",
                          "wmv3", "mjpeg"})


@dataclass(frozen=True)
class Machine:
    """What the machine reports: its FFmpeg's hardware device types
    (``hwdevices_available()``) and decoders, and the device nodes that exist."""

    hw_devices: frozenset[str] = frozenset()
    decoders: frozenset[str] = frozenset()  # FFmpeg decoder names (h264_v4l2m2m, ...)
    render_nodes: tuple[str, ...] = ()  # /dev/dri/renderD*
    video_nodes: tuple[str, ...] = ()  # /dev/video*: V4L2 M2M decoders live among them


@dataclass(frozen=True)
class Attempt:
    """One decoder to try: ``kind`` is v4l2m2m, vaapi or software."""

    kind: str
    decoder: str = ""  # the FFmpeg decoder for v4l2m2m, e.g. h264_v4l2m2m
    device: str = ""  # the render node for vaapi ("" lets FFmpeg choose)

    @property
    def name(self) -> str:
        """How the log and the status name it."""
        return self.decoder or self.kind


@dataclass(frozen=True)
class Plan:
    """The decoders to try in order (software last), and why a hardware decoder the
    setting names is not among them (said once in the log)."""

    attempts: tuple[Attempt, ...]
    skipped: tuple[str, ...] = ()


def failure_hint(attempt: Attempt, machine: Machine) -> str:
    """What an operator should look at when a hardware decoder fails to open: FFmpeg's
    own words ("Invalid argument") rarely say that the device is missing."""
    if attempt.kind == "v4l2m2m" and not machine.video_nodes:
        return "no /dev/video device"
    if attempt.kind == "vaapi" and not machine.render_nodes:
        return "no /dev/dri render node"
    return ""


def v4l2m2m_decoder(codec: str) -> str:
    """FFmpeg's V4L2 M2M decoder for a stream's codec (mpeg2video -> mpeg2_v4l2m2m)."""
    return codec.removesuffix("video") + "_v4l2m2m"


def plan_decoders(setting: str, codec: str, machine: Machine,
                  failed: frozenset[str] = frozenset()) -> Plan:
    """Which decoders to try for a clip in ``codec``, given the ``video.decoder``
    setting, and the hardware decoders that ``failed`` before on this codec (tried once,
    not again for every clip)."""
    wanted = ("v4l2m2m", "vaapi") if setting == "auto" else (
        (setting,) if setting in ("v4l2m2m", "vaapi") else ())
    named = setting != "auto"
    attempts: list[Attempt] = []
    skipped: list[str] = []
    for kind in wanted:
        attempt, why = _hardware(kind, codec, machine, named)
        if attempt is not None and attempt.name in failed:
            why = f"{attempt.name} failed before on {codec}"
            attempt = None
        if attempt is not None:
            attempts.append(attempt)
        elif named:
            skipped.append(why)
    attempts.append(Attempt(SOFTWARE))
    return Plan(tuple(attempts), tuple(skipped))


def _hardware(kind: str, codec: str, machine: Machine,
              named: bool) -> tuple[Attempt | None, str]:
    """The attempt of this kind for the codec, or None and why not. Named in the
    settings, a decoder is tried without a device node in sight (FFmpeg finds devices
    the kiosk does not list); chosen by ``auto``, only with one."""
    if kind == "v4l2m2m":
        decoder = v4l2m2m_decoder(codec)
        if decoder not in machine.decoders:
            return None, f"this FFmpeg has no V4L2 M2M decoder for {codec}"
        if not (named or machine.video_nodes):
            return None, "no /dev/video device"
        return Attempt("v4l2m2m", decoder=decoder), ""
    if "vaapi" not in machine.hw_devices:
        return None, "this FFmpeg was built without VA-API"
    if codec not in VAAPI_CODECS:
        return None, f"VA-API does not decode {codec}"
    if not (named or machine.render_nodes):
        return None, "no /dev/dri render node"
    return Attempt("vaapi", device=machine.render_nodes[0] if machine.render_nodes else ""), ""
