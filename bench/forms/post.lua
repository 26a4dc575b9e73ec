-- bench/forms/post.lua — wrk: the same multipart submission on every request (a short form
-- without attachment), with the CSRF cookie and token given by run.sh in the environment.
local boundary = "----geodirbench"
local data = '{"values":{"nom":"Dupont","courriel":"jeanne@example.org","age":40},"website":""}'
wrk.method = "POST"
wrk.path = "/api/forms/essai/submissions"
wrk.body = "--" .. boundary .. "\r\n" ..
           'Content-Disposition: form-data; name="data"\r\n\r\n' .. data .. "\r\n" ..
           "--" .. boundary .. "--\r\n"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
wrk.headers["Cookie"] = "geodir_csrf=" .. os.getenv("CSRF_COOKIE")
wrk.headers["X-CSRF-Token"] = os.getenv("CSRF_TOKEN")
