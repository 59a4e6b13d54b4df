"""The page a browser gets instead of the sidebar when COPILOT_REQUIRE_LOGIN=true and nobody is logged in."""

from __future__ import annotations

LOGIN_PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 · 客服副驾</title>
<link rel="stylesheet" href="/static/login.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<script type="module" src="/static/login.js"></script>
</head>
<body>
<form id="login">
  <h1>客服副驾 · 登录</h1>
  <input id="name" name="name" autocomplete="username" placeholder="用户名" required autofocus>
  <input id="password" name="password" type="password" autocomplete="current-password" placeholder="密码" required>
  <button type="submit">登录</button>
  <p id="error" role="alert"></p>
</form>
</body>
</html>
"""
