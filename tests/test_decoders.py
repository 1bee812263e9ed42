"""Which decoder a clip tries, decided from the setting and the machine's report alone
(no GPU, no PyAV): the branches an operator relies on when choosing `video.decoder`."""

from __future__ import annotations

from kiosk.media.decoders import Attempt, Machine, plan_decoders, v4l2m2m_decoder

PI4 = Machine(decoders=frozenset({"h264_v4l2m2m", "hevc_v4l2m2m"}),
              video_nodes=("/dev/video10", "/dev/video11", "/dev/video12"))
INTEL = Machine(hw_devices=frozenset({"vaapi", "drm"}), render_nodes=("/dev/dri/renderD128",))
BARE = Machine(hw_devices=frozenset({"cuda", "qsv", "drm", "amf"}),  # this build machine
               decoders=frozenset({"h264_v4l2m2m", "hevc_v4l2m2m"}))
SOFTWARE = Attempt("software")


def names(setting: str, codec: str, machine: Machine, failed: frozenset[str] = frozenset()
          ) -> list[str]:
    return [a.name for a in plan_decoders(setting, codec, machine, failed).attempts]


def test_auto_on_a_pi_tries_the_v4l2_decoder_then_software():
    """Guards the Pi's H.264 block being used: auto picks h264_v4l2m2m when FFmpeg has it
    and a /dev/video node exists, with software after it."""
    plan = plan_decoders("auto", "h264", PI4)
    assert plan.attempts == (Attempt("v4l2m2m", decoder="h264_v4l2m2m"), SOFTWARE)
    assert plan.skipped == ()


def test_auto_on_intel_tries_vaapi_on_its_render_node_then_software():
    plan = plan_decoders("auto", "hevc", INTEL)
    assert plan.attempts == (Attempt("vaapi", device="/dev/dri/renderD128"), SOFTWARE)


def test_auto_tries_v4l2_before_vaapi_when_both_are_there():
    both = Machine(INTEL.hw_devices, PI4.decoders, INTEL.render_nodes, PI4.video_nodes)
    assert names("auto", "h264", both) == ["h264_v4l2m2m", "vaapi", "software"]


def test_auto_without_devices_decodes_in_software_and_says_nothing():
    """Guards a machine like this one (decoders built in, no device nodes): auto does not
    try hardware that is not there, and logs no complaint about it."""
    plan = plan_decoders("auto", "h264", BARE)
    assert plan.attempts == (SOFTWARE,)
    assert plan.skipped == ()


def test_auto_skips_a_codec_the_hardware_has_no_decoder_for():
    assert names("auto", "prores", PI4) == ["software"]
    assert names("auto", "prores", INTEL) == ["software"]  # VA-API has no ProRes


def test_software_never_tries_hardware():
    both = Machine(INTEL.hw_devices, PI4.decoders, INTEL.render_nodes, PI4.video_nodes)
    assert plan_decoders("software", "h264", both) == plan_decoders("software", "h264", BARE)
    assert names("software", "h264", both) == ["software"]


def test_a_named_decoder_is_tried_without_a_device_node_in_sight():
    """The operator asked for it: FFmpeg may find a device the kiosk does not list, and
    if not, its own error says why (the edge logs it and falls back)."""
    assert names("v4l2m2m", "h264", BARE) == ["h264_v4l2m2m", "software"]
    plan = plan_decoders("vaapi", "h264", Machine(hw_devices=frozenset({"vaapi"})))
    assert plan.attempts == (Attempt("vaapi", device=""), SOFTWARE)


def test_a_named_decoder_is_only_that_one():
    both = Machine(INTEL.hw_devices, PI4.decoders, INTEL.render_nodes, PI4.video_nodes)
    assert names("vaapi", "h264", both) == ["vaapi", "software"]
    assert names("v4l2m2m", "h264", both) == ["h264_v4l2m2m", "software"]


def test_a_named_decoder_this_ffmpeg_lacks_is_skipped_with_the_reason():
    """Guards a silent software fallback: asking for VA-API from an FFmpeg built without
    it (the PyAV wheel on x86-64) says so, for the log."""
    plan = plan_decoders("vaapi", "h264", BARE)
    assert plan.attempts == (SOFTWARE,)
    assert plan.skipped == ("this FFmpeg was built without VA-API",)
    plan = plan_decoders("v4l2m2m", "prores", PI4)
    assert plan.attempts == (SOFTWARE,)
    assert plan.skipped == ("this FFmpeg has no V4L2 M2M decoder for prores",)


def test_a_decoder_that_failed_on_a_codec_is_not_tried_again():
    """Guards one log line per clip: a hardware decoder that failed on this codec before
    goes straight to software (auto quietly, a named one with the reason)."""
    failed = frozenset({"h264_v4l2m2m"})
    assert names("auto", "h264", PI4, failed) == ["software"]
    plan = plan_decoders("v4l2m2m", "h264", PI4, failed)
    assert plan.attempts == (SOFTWARE,)
    assert plan.skipped == ("h264_v4l2m2m failed before on h264",)
    both = Machine(INTEL.hw_devices, PI4.decoders, INTEL.render_nodes, PI4.video_nodes)
    assert names("auto", "h264", both, failed) == ["vaapi", "software"]


def test_v4l2_decoder_names_follow_ffmpeg():
    assert v4l2m2m_decoder("h264") == "h264_v4l2m2m"
    assert v4l2m2m_decoder("hevc") == "hevc_v4l2m2m"
    assert v4l2m2m_decoder("mpeg2video") == "mpeg2_v4l2m2m"
