-- Driven by tests/lsp_neovim.rs: Neovim's built-in LSP client (0.7+) starts
-- `topoc lsp` on the fixture workspace, opens two files, waits for the
-- diagnostics the server publishes, asks for a hover, and writes what it
-- received as JSON to $TOPOC_OUT. Then quits.
local bin = os.getenv("TOPOC_BIN")
local root = os.getenv("TOPOC_WORKSPACE")
local out = os.getenv("TOPOC_OUT")

local function finish(result)
  local f = assert(io.open(out, "w"))
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd("qall!")
end

local client = vim.lsp.start_client({
  name = "topoc",
  cmd = { bin, "lsp" },
  root_dir = root,
  workspace_folders = { { uri = vim.uri_from_fname(root), name = "workspace" } },
})
if not client then
  finish({ error = "the client did not start" })
  return
end

vim.cmd("edit " .. vim.fn.fnameescape(root .. "/shop/compose.yaml"))
local compose = vim.api.nvim_get_current_buf()
vim.lsp.buf_attach_client(compose, client)
vim.cmd("edit " .. vim.fn.fnameescape(root .. "/shop/compose.override.yaml"))
local override = vim.api.nvim_get_current_buf()
vim.lsp.buf_attach_client(override, client)

-- The server publishes the edited buffer first and the other files of the
-- project after it, so wait for a file Neovim never opened as well.
local function count_in(suffix)
  local n = 0
  for _, d in ipairs(vim.diagnostic.get()) do
    local name = vim.api.nvim_buf_get_name(d.bufnr)
    if name:sub(-#suffix) == suffix then
      n = n + 1
    end
  end
  return n
end
local arrived = vim.wait(60000, function()
  return #vim.diagnostic.get(override) >= 2 and count_in("/k8s/app.yaml") >= 3
end, 50)

local diagnostics = {}
for _, d in ipairs(vim.diagnostic.get()) do
  local lsp = (d.user_data or {}).lsp or {}
  table.insert(diagnostics, {
    file = vim.api.nvim_buf_get_name(d.bufnr),
    line = d.lnum,
    col = d.col,
    severity = d.severity,
    code = d.code or lsp.code,
    href = (lsp.codeDescription or {}).href,
    message = d.message,
  })
end

local hover = nil
local responses = vim.lsp.buf_request_sync(compose, "textDocument/hover", {
  textDocument = { uri = vim.uri_from_bufnr(compose) },
  position = { line = 9, character = 3 },
}, 60000)
for _, r in pairs(responses or {}) do
  if r.result and r.result.contents then
    hover = r.result.contents.value
  end
end

finish({ arrived = arrived, diagnostics = diagnostics, hover = hover })
