# Per-layer include roots: each layer's target exposes only its own folder (as "<layer>/..."),
# so an include across the layer rule fails to compile, not only in scripts/check_layers.py.
# Never give a library target the repository root as an include path.

# xinyu_include_root(<target> <PUBLIC|PRIVATE> <folder> [FILES f...]): <target> sees
# "<folder>/..." through build/include-roots/<name>/<folder> (a symbolic link to the source
# folder); with FILES, only those files of the folder (links to each), under a root named
# <target>.
function(xinyu_include_root target scope folder)
  cmake_parse_arguments(arg "" "" "FILES" ${ARGN})
  if(arg_FILES)
    set(root ${CMAKE_BINARY_DIR}/include-roots/${target})
    file(MAKE_DIRECTORY ${root}/${folder})
    foreach(f ${arg_FILES})
      file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${folder}/${f} ${root}/${folder}/${f} SYMBOLIC)
    endforeach()
  else()
    string(REPLACE "/" "_" name ${folder})
    set(root ${CMAKE_BINARY_DIR}/include-roots/${name})
    get_filename_component(parent ${root}/${folder} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${folder} ${root}/${folder} SYMBOLIC)
  endif()
  target_include_directories(${target} ${scope} ${root})
endfunction()
