-- edict in Neovim 0.7 and later: `*.policy` files get the filetype `edict`,
-- `#` comments, and the edict language server (`edict lsp`) over stdio.
--
-- Copy this file into your configuration (for example as
-- ~/.config/nvim/plugin/edict.lua, which Neovim loads at start), or
-- `dofile()` it from init.lua. docs/editors.md explains each part.

-- The server: `edict` on PATH (`cargo install --path .` in the edict
-- repository puts it in ~/.cargo/bin), or a full path to it.
local cmd = { vim.g.edict_path or "edict", "lsp" }

-- Filetype: Neovim 0.8+ has vim.filetype.add; 0.7 needs an autocommand.
if vim.fn.has("nvim-0.8") == 1 then
  vim.filetype.add({ extension = { policy = "edict" } })
else
  vim.api.nvim_create_autocmd({ "BufRead", "BufNewFile" }, {
    pattern = "*.policy",
    command = "setfiletype edict",
  })
end

-- The server reads every `.policy` file under its root as one policy set, as
-- `edict check DIR` does. The root here is the file's folder: in a layout like
-- policies/<set>/*.policy, the set. For a set that spans subfolders, return
-- its top folder instead.
local function root_of(bufnr)
  return vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ":p:h")
end

local clients = {} -- root -> client id, for 0.7, which has no vim.lsp.start

vim.api.nvim_create_autocmd("FileType", {
  pattern = "edict",
  callback = function(args)
    local buf = args.buf
    vim.bo[buf].commentstring = "# %s"
    vim.bo[buf].expandtab = true
    vim.bo[buf].shiftwidth = 2
    local root = root_of(buf)
    if vim.lsp.start then -- 0.8+: starts a client, or reuses the one of this root
      vim.lsp.start({ name = "edict", cmd = cmd, root_dir = root }, { bufnr = buf })
      return
    end
    local id = clients[root]
    if id == nil or vim.lsp.get_client_by_id(id) == nil then
      id = vim.lsp.start_client({ name = "edict", cmd = cmd, root_dir = root })
      clients[root] = id
    end
    if id then
      vim.lsp.buf_attach_client(buf, id)
    end
  end,
})
