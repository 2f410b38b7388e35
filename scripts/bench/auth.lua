-- wrk script: anonymous logins (POST /API/auth/auth).
wrk.method = "POST"
wrk.body = '{"manager":null,"provider":"anonymous"}'
wrk.headers["Content-Type"] = "application/json"
