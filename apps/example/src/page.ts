// The one-page login form every example server serves at `/`: plain HTML and a little script.
export const LOGIN_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in with your phone</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 26rem; margin: 4rem auto; padding: 0 1rem; color: #1d2433; }
  h1 { font-size: 1.4rem; }
  label { display: block; margin: 1rem 0 .25rem; }
  input, button { font: inherit; padding: .5rem .75rem; border-radius: .4rem; border: 1px solid #b8c0cc; }
  input { width: 100%; box-sizing: border-box; }
  button { margin-top: .75rem; background: #2457d6; color: white; border: 0; cursor: pointer; }
  button:disabled { background: #9aa7c2; cursor: default; }
  #message { min-height: 1.5rem; margin-top: 1rem; }
  .error { color: #b3261e; } .ok { color: #1b7f3b; font-weight: 600; }
</style>
</head>
<body>
<h1>Sign in with your phone</h1>
<form id="send-form">
  <label for="mobile">Phone number</label>
  <input id="mobile" name="mobile" placeholder="+447400123456" autocomplete="tel" required>
  <button id="send" type="submit">Send code</button>
</form>
<form id="verify-form" hidden>
  <label for="code">Code from the SMS</label>
  <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>
  <button id="verify" type="submit">Verify</button>
</form>
<p id="message" role="status"></p>
<script>
  const $ = (id) => document.getElementById(id)
  const say = (text, kind) => { $('message').textContent = text; $('message').className = kind || '' }
  async function post(path, body) {
    const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const data = await response.json().catch(() => ({}))
    if (!response.ok) {
      const details = (data.errors || []).map((e) => e.field + ' ' + e.message).join('; ')
      throw new Error(details ? data.detail + ' (' + details + ')' : data.detail || 'Something went wrong.')
    }
    return data
  }
  function countdown(seconds) {
    const button = $('send')
    button.disabled = true
    const tick = () => {
      if (seconds <= 0) { button.disabled = false; button.textContent = 'Send code'; return }
      button.textContent = 'Resend in ' + seconds-- + ' s'
      setTimeout(tick, 1000)
    }
    tick()
  }
  $('send-form').addEventListener('submit', async (event) => {
    event.preventDefault()
    try {
      const sent = await post('/otp/send', { mobile: $('mobile').value.trim() })
      $('verify-form').hidden = false
      say('We sent you a code. It is valid for ' + Math.round(sent.expiresIn / 60) + ' minutes.')
      countdown(sent.resendIn)
      $('code').focus()
    } catch (error) { say(error.message, 'error') }
  })
  $('verify-form').addEventListener('submit', async (event) => {
    event.preventDefault()
    try {
      await post('/otp/verify', { mobile: $('mobile').value.trim(), code: $('code').value.trim() })
      say('Verified. You are signed in.', 'ok')
    } catch (error) { say(error.message, 'error') }
  })
</script>
</body>
</html>
`
