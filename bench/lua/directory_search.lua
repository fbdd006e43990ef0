-- Search as you type in the directory: agents' queries in turn, as the htmx fragment requests
-- they are (the HX-* headers come from the scenario). The same mix as DIRECTORY_QUERIES in
-- scripts/bench.py: name prefixes, two-word names, å/ä/ö, an extension's digits and a number
-- typed in another format than it was saved in.
local queries = {"and", "lind", "anna+lin", "%C3%B6stl", "%C3%A5sa", "berg", "karl+ber", "h%C3%A4ggs",
                 "5191", "0920-45+51", "%2B46+920+455191", "sven"}
local counter = 0
local base = nil  -- the scenario's path up to "?q=" (/katalog for Kundweb, /search... for the reference app)

request = function()
  counter = counter + 1
  base = base or (wrk.path:match("^[^?]*") .. "?q=")
  return wrk.format(nil, base .. queries[(counter % #queries) + 1])
end
