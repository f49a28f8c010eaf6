"""Media library: probing, the rendition ladder, ffmpeg commands and playlists.

It never imports `server` and never touches the database: dataclasses in, dataclasses out.
"""
