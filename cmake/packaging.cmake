# Install rules and the Debian package (CPack): what `cmake --install` and `cpack -G DEB` put
# where. Must never install tests, benchmarks or the build's own paths.
include(GNUInstallDirs)

install(TARGETS xinyu-server RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# the trained models: "auto" finds them at <prefix>/share/xinyu/models beside bin/
install(FILES ${XINYU_MODEL_DIR}/safety.bin ${XINYU_MODEL_DIR}/safety.json
              ${XINYU_MODEL_DIR}/emotion.bin ${XINYU_MODEL_DIR}/emotion.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/xinyu/models)
# absolute: /etc and /lib/systemd whatever the prefix (a package's prefix is /usr)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/debian/xinyu.json DESTINATION /etc/xinyu)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/xinyu.service DESTINATION /lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/config/xinyu.example.json
              ${PROJECT_SOURCE_DIR}/docs/configuration.md ${PROJECT_SOURCE_DIR}/docs/protocol.md
              ${PROJECT_SOURCE_DIR}/docs/operations.md ${PROJECT_SOURCE_DIR}/docs/privacy.md
              ${PROJECT_SOURCE_DIR}/docs/crisis-protocol.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/deploy/prometheus ${PROJECT_SOURCE_DIR}/deploy/grafana
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME xinyu)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "xinyu")
set(CPACK_PACKAGE_CONTACT "xinyu maintainers <xinyu@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "emotional-companion chat backend (actors, streaming, offline replies)")
set(CPACK_PACKAGE_DESCRIPTION
    "xinyu serves an LLM emotional-companion assistant over WebSocket, SSE and an OpenAI-compatible API, with crisis detection, memories and durable conversations (RocksDB). Runs offline by default; any OpenAI-compatible endpoint can be configured.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON) # the RelWithDebInfo binary is ~250 MB with its debug info
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON) # Depends from the linked libraries (dpkg-shlibdeps)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd")
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip) # xz takes minutes on 2 cores for ~70 MB
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/deploy/debian/conffiles ${PROJECT_SOURCE_DIR}/deploy/debian/postinst
    ${PROJECT_SOURCE_DIR}/deploy/debian/prerm ${PROJECT_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
