"""Generate the three tiny demo videos of the demo course (`static/m1-video.webm` ... `m3-video.webm`).

This script documents how the committed media files were made; it is NOT run by the build, the tests or
`tosca load_demo`. Re-run it by hand only to change the videos:

    python3 -m venv /tmp/mediavenv
    /tmp/mediavenv/bin/pip install imageio-ffmpeg pillow
    /tmp/mediavenv/bin/python tosca/demo/course/make_videos.py

It needs Pillow (to draw the slides) and imageio-ffmpeg (for its bundled static ffmpeg binary with libvpx-vp9);
neither is a dependency of Tosca. Each video is 10 seconds at 320x180, 10 frames per second, VP9 in WebM with no
audio track: two still "slides" (module number and title for 5 s, then three key words for 5 s). The Italian
captions (`static/mN-video.it.vtt`) are written by hand and are not produced here; their cues end before 10 s.
The output is a few kilobytes per video.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import imageio_ffmpeg
from PIL import Image, ImageDraw, ImageFont

STATIC = Path(__file__).resolve().parent / "static"
WIDTH, HEIGHT, FPS, SECONDS = 320, 180, 10, 10
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
)
# (file stem, background colour, module label, title lines, key words)
VIDEOS = (
    (
        "m1-video",
        (31, 78, 121),
        "Modulo 1",
        ("Co-progettare", "un progetto FSE+"),
        ("territorio", "partenariato", "risultati"),
    ),
    (
        "m2-video",
        (46, 107, 58),
        "Modulo 2",
        ("Reti per l'inclusione", "lavorativa"),
        ("persona", "servizi", "impresa"),
    ),
    (
        "m3-video",
        (160, 70, 43),
        "Modulo 3",
        ("Servizi educativi", "per la prima infanzia"),
        ("nido", "famiglie", "sistema 0-6"),
    ),
)


def font(size: int) -> ImageFont.ImageFont:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size=size)  # Pillow >= 10.1


def centred(draw: ImageDraw.ImageDraw, y: int, text: str, size: int, fill=(255, 255, 255)) -> None:
    face = font(size)
    left, top, right, _bottom = draw.textbbox((0, 0), text, font=face)
    draw.text(((WIDTH - (right - left)) // 2 - left, y - top), text, font=face, fill=fill)


def title_slide(background, label: str, lines: tuple[str, ...]) -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT), background)
    draw = ImageDraw.Draw(image)
    centred(draw, 30, label.upper(), 14, fill=(235, 235, 235))
    draw.rectangle((WIDTH // 2 - 30, 52, WIDTH // 2 + 30, 54), fill=(255, 255, 255))
    for index, line in enumerate(lines):
        centred(draw, 72 + index * 30, line, 22)
    centred(draw, 156, "Tosca · corsi aperti", 11, fill=(220, 220, 220))
    return image


def words_slide(background, words: tuple[str, ...]) -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT), background)
    draw = ImageDraw.Draw(image)
    for index, word in enumerate(words):
        y = 30 + index * 44
        draw.ellipse((40, y + 4, 56, y + 20), fill=(255, 255, 255))
        draw.text((72, y), word, font=font(22), fill=(255, 255, 255))
    return image


def render(stem: str, background, label: str, lines, words) -> Path:
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    output = STATIC / f"{stem}.webm"
    half = FPS * SECONDS // 2
    with tempfile.TemporaryDirectory() as tmp:
        first, second = title_slide(background, label, lines), words_slide(background, words)
        for frame in range(FPS * SECONDS):
            (first if frame < half else second).save(Path(tmp) / f"frame_{frame:03d}.png")
        subprocess.run(
            [
                ffmpeg, "-y", "-loglevel", "error",
                "-framerate", str(FPS), "-i", str(Path(tmp) / "frame_%03d.png"),
                "-c:v", "libvpx-vp9", "-b:v", "0", "-crf", "40", "-deadline", "good", "-row-mt", "1",
                "-pix_fmt", "yuv420p", "-an", "-map_metadata", "-1",
                "-fflags", "+bitexact", "-flags:v", "+bitexact",
                str(output),
            ],
            check=True,
        )  # fmt: skip
    return output


def main() -> int:
    STATIC.mkdir(exist_ok=True)
    for stem, background, label, lines, words in VIDEOS:
        path = render(stem, background, label, lines, words)
        print(f"{path.name}: {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
