-- wrk script: an anonymous login, then a desktop launch with that login's token, in turn
-- on each connection (the memory orchestrator starts desktops at once).
local tokens = {}
local login_body = '{"manager":null,"provider":"anonymous"}'
local launch_body = '{"width":1280,"height":800,"timezone":"Europe/Paris"}'

request = function()
    local token = table.remove(tokens)
    if token then
        return wrk.format("POST", "/API/composer/launchdesktop", {
            ["Content-Type"] = "application/json",
            ["ABCAuthorization"] = "Bearer " .. token,
        }, launch_body)
    end
    return wrk.format("POST", "/API/auth/auth", { ["Content-Type"] = "application/json" }, login_body)
end

response = function(status, headers, body)
    local token = body:match('"jwt_user_token"%s*:%s*"([^"]+)"')
    if token then
        table.insert(tokens, token)
    end
end
