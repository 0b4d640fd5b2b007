-- wrk: every request a POST of 1 KiB (the routes bench's /digest).
wrk.method = "POST"
wrk.body = string.rep("x", 1024)
wrk.headers["Content-Type"] = "application/octet-stream"
