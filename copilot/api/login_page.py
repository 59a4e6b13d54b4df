"""The page a browser gets instead of the sidebar when COPILOT_REQUIRE_LOGIN=true and nobody is logged in."""

from __future__ import annotations

LOGIN_PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 · 客服副驾</title>
<style>
  body { font: 14px/1.6 system-ui, "PingFang SC", "Microsoft YaHei", sans-serif; margin: 0; background: #f5f6f8; }
  form { max-width: 280px; margin: 15vh auto; padding: 24px; background: #fff; border-radius: 8px;
         box-shadow: 0 1px 4px rgba(0,0,0,.1); display: grid; gap: 12px; }
  h1 { font-size: 18px; margin: 0; }
  input, button { font: inherit; padding: 8px; border: 1px solid #ccd; border-radius: 4px; }
  button { background: #1677ff; color: #fff; border: 0; cursor: pointer; }
  #error { color: #c62828; min-height: 1.6em; margin: 0; }
</style>
</head>
<body>
<form id="login">
  <h1>客服副驾 · 登录</h1>
  <input id="name" name="name" autocomplete="username" placeholder="用户名" required>
  <input id="password" name="password" type="password" autocomplete="current-password" placeholder="密码" required>
  <button type="submit">登录</button>
  <p id="error" role="alert"></p>
</form>
<script>
document.getElementById("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("error");
  error.textContent = "";
  try {
    const response = await fetch("/v1/auth/login", {
      method: "POST",
      headers: {"content-type": "application/json"},
      body: JSON.stringify({name: document.getElementById("name").value,
                            password: document.getElementById("password").value}),
    });
    if (response.ok) { location.reload(); return; }
    const body = await response.json().catch(() => null);
    error.textContent = (body && body.error && body.error.message) || "登录失败,请稍后重试";
  } catch (e) {
    error.textContent = "无法连接服务,请检查网络";
  }
});
</script>
</body>
</html>
"""
