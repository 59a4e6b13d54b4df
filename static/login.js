// The login form at / (copilot/api/login_page.py): a file of its own, since the CSP allows no inline script.
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
    error.textContent = (body && body.error && body.error.message) || "登录失败，请稍后重试";
  } catch (e) {
    error.textContent = "无法连接服务，请检查网络";
  }
});
