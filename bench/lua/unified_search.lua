-- The agents' one search box (R-KB-3): the directory search with Kunskapsbanken's answers, as the
-- htmx fragment requests they are. Seven of the twelve are questions typed as callers ask them
-- (answers by question, phrasing or keyword, with å/ä/ö), five are directory_search's own.
local queries = {"bygglov", "soph%C3%A4mt", "f%C3%B6rskolepl", "and", "sn%C3%B6r%C3%B6j", "lind",
                 "parkeringst", "%C3%B6stl", "vatten+avl", "f%C3%A4rdtj", "karl+ber", "5191"}
local counter = 0
local base = nil

request = function()
  counter = counter + 1
  base = base or (wrk.path:match("^[^?]*") .. "?q=")
  return wrk.format(nil, base .. queries[(counter % #queries) + 1])
end
